import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeIssues } from '../../shared/describe-issues.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { mergeRequestHookSchema } from './schema.ts';

/** What GitLab's webhooks ask of patchferry; the pipeline answers. */
export interface GitLabWebhookHandlers {
  /** A merge request was merged (patchferry's or not: the handler knows its own). */
  merged(event: { repository: string; number: number; mergeSha: string | null }): Promise<void>;
}

/** A webhook body is a few kilobytes; anything far larger is not GitLab's. */
const MAX_BODY = 1 << 20;

/**
 * Receives GitLab's project webhooks: a "Merge Request Hook" whose action is `merge` is passed on,
 * so the build starts at once instead of at the next sync. GitLab sends the secret as it is in
 * X-Gitlab-Token; a delivery without the right one is refused before its body is read. Events
 * patchferry does not use are acknowledged, since GitLab disables a hook that keeps failing; a
 * Merge Request Hook without the fields patchferry reads is refused (400) with the field named,
 * which GitLab shows in the hook's recent events.
 */
export function gitlabWebhook(
  secret: string,
  handlers: GitLabWebhookHandlers,
  log: Logger,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const expected = digest(secret);
  return async (req, res) => {
    if (req.method !== 'POST') return answer(res, 405, 'webhooks are POSTed');
    const event = req.headers['x-gitlab-event'];
    const token = req.headers['x-gitlab-token'];
    if (typeof token !== 'string' || !timingSafeEqual(digest(token), expected)) {
      log.warn({ event }, 'GitLab webhook refused: wrong X-Gitlab-Token');
      return answer(res, 401, 'invalid X-Gitlab-Token');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(await readBody(req));
    } catch (err) {
      return answer(
        res,
        err instanceof TooLarge ? 413 : 400,
        err instanceof TooLarge ? err.message : 'the body is not JSON',
      );
    }
    if (event !== 'Merge Request Hook') return answer(res, 200, 'ignored');
    const parsed = mergeRequestHookSchema.safeParse(payload);
    if (!parsed.success) {
      const problem = describeIssues(parsed.error);
      log.warn({ event, problem }, 'GitLab webhook refused: not a Merge Request Hook payload');
      return answer(res, 400, `not a Merge Request Hook payload: ${problem}`);
    }
    const { project, object_attributes: mr } = parsed.data;
    if (mr.action !== 'merge') return answer(res, 200, 'ignored');
    const merged = {
      repository: project.path_with_namespace,
      number: mr.iid,
      mergeSha: mr.merge_commit_sha ?? null,
    };
    try {
      await handlers.merged(merged);
      answer(res, 200, 'ok');
    } catch (err) {
      log.error({ err: errorMessage(err), ...merged }, 'GitLab merge webhook could not be handled');
      answer(res, 500, 'not handled; the next sync sees the merge');
    }
  };
}

class TooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new TooLarge(`the body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Hashed first, so that tokens of any length compare in constant time. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function answer(res: ServerResponse, status: number, message: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(`${JSON.stringify({ message })}\n`);
}
