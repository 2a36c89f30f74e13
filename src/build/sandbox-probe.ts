import { PatchferryError } from '../shared/errors.ts';

/** The host cannot run the build sandbox: builds are refused, never run unsandboxed. Not retryable
 * (the machine must be changed), and never the patch's fault. */
export class SandboxUnavailableError extends PatchferryError {
  constructor(message: string, cause?: unknown) {
    super('sandbox_unavailable', message, { cause });
  }
}

const HOW_TO_ALLOW_NAMESPACES =
  'allow unprivileged user namespaces (sysctl user.max_user_namespaces=15000; on Ubuntu 23.10 and later also ' +
  'kernel.apparmor_restrict_unprivileged_userns=0 or an AppArmor profile for bwrap), or in a container ' +
  'start it with a seccomp and AppArmor profile that allows unshare (docker/podman: --security-opt ' +
  'seccomp=unconfined --security-opt apparmor=unconfined, or --privileged)';

const TRUSTED_ONLY =
  'only for a list whose senders are all trusted: builder.sandbox: none, which needs trust.senders';

/**
 * Turns a failed trial run of the sandbox into the sentence a maintainer acts on. `missing` names a
 * program that could not be started (bwrap, prlimit, setpriv); otherwise `said` is what bwrap wrote,
 * e.g. "bwrap: No permissions to creating new namespace, likely because the kernel does not allow
 * non-privileged user namespaces" or "bwrap: setting up uid map: Permission denied".
 */
export function sandboxUnavailable(opts: {
  missing?: string;
  said: string;
  cause?: unknown;
}): SandboxUnavailableError {
  if (opts.missing === 'bwrap')
    return new SandboxUnavailableError(
      'builds run in a bubblewrap sandbox, and bwrap is not installed on this machine: install it ' +
        `(Debian/Ubuntu: apt-get install bubblewrap; Fedora/RHEL: dnf install bubblewrap; ci/setup does), or, ${TRUSTED_ONLY}`,
      opts.cause,
    );
  if (opts.missing)
    return new SandboxUnavailableError(
      `the build sandbox needs ${opts.missing} from util-linux, which is not installed on this machine: install util-linux`,
      opts.cause,
    );
  const said = opts.said.trim().split('\n').slice(-3).join(' ') || 'nothing';
  if (/namespace|uid map|gid map|Operation not permitted|Permission denied|setns|unshare/i.test(said))
    return new SandboxUnavailableError(
      `this machine does not allow the build sandbox (bwrap said: ${said}): ${HOW_TO_ALLOW_NAMESPACES}; or, ${TRUSTED_ONLY}`,
      opts.cause,
    );
  return new SandboxUnavailableError(
    `the build sandbox does not start on this machine (bwrap said: ${said}); builds are refused rather than run unsandboxed: check bubblewrap's installation, or, ${TRUSTED_ONLY}`,
    opts.cause,
  );
}
