/** Every error patchferry raises on purpose: a stable code, whether a retry can help, and a message
 * that tells the user what to do. Vendor errors are mapped into these at the adapter boundary. */
export class PatchferryError extends Error {
  readonly code: string;
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** The configuration is wrong: each issue names the key path and what was expected. */
export class ConfigError extends PatchferryError {
  readonly issues: readonly string[];

  constructor(source: string, issues: readonly string[]) {
    super(
      'config_invalid',
      `${source}: ${issues.length} problem(s) in the configuration:\n  ${issues.join('\n  ')}`,
    );
    this.issues = issues;
  }
}

/** A command line that cannot be acted on. */
export class UsageError extends PatchferryError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** How a tool's run ended without success: it failed (a non-zero exit, or it could not start), its
 * caller aborted it, or it ran past its time limit. The code is `<tool>_<outcome>`. */
export type ToolOutcome = 'failed' | 'aborted' | 'timeout';

/** An outside program (git, rpmbuild, createrepo_c) failed; `output` is what it said. */
export class ToolError extends PatchferryError {
  readonly tool: string;
  readonly output: string;
  readonly outcome: ToolOutcome;

  constructor(
    tool: string,
    message: string,
    output: string,
    options: { cause?: unknown; retryable?: boolean; outcome?: ToolOutcome } = {},
  ) {
    const outcome = options.outcome ?? 'failed';
    super(`${tool}_${outcome}`, message, options);
    this.tool = tool;
    this.output = output;
    this.outcome = outcome;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
