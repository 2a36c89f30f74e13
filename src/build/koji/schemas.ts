import { z } from 'zod';

/** An integer as Koji sends it: `<int>`, `<i8>` (npm xmlrpc gives a string) or, for sizes and
 * offsets, a decimal string (koji.encode_int); always a number here. */
export const kojiInt = z
  .union([z.number().int(), z.string().regex(/^-?\d+$/)])
  .transform((v) => Number(v))
  .refine((n) => Number.isSafeInteger(n), { error: 'integer beyond 2^53' });

/** Task states (koji.TASK_STATES). */
export const TASK_STATE = { FREE: 0, OPEN: 1, CLOSED: 2, CANCELED: 3, ASSIGNED: 4, FAILED: 5 } as const;
export type TaskStateName = keyof typeof TASK_STATE;

export const sessionInfo = z.object({ 'session-id': kojiInt, 'session-key': z.string().min(1) });
export type SessionInfo = z.infer<typeof sessionInfo>;

/** getTaskInfo / getTaskChildren rows: the fields the adapter reads. */
export const taskInfo = z.object({
  id: kojiInt,
  state: kojiInt,
  method: z.string(),
  arch: z.string(),
  parent: kojiInt.nullable(),
  completion_ts: z.number().nullable().optional(),
});
export type TaskInfo = z.infer<typeof taskInfo>;

/** getTaskResult of a buildArch task: paths relative to `{topurl}/work/`. */
export const buildArchResult = z.object({
  rpms: z.array(z.string()),
  srpms: z.array(z.string()),
  logs: z.array(z.string()),
});

/** listTaskOutput(id, stat=true): file name → stat, `st_size` a string. */
export const taskOutput = z.record(z.string(), z.object({ st_size: kojiInt }));

export const buildTarget = z
  .object({
    id: kojiInt,
    name: z.string(),
    build_tag_name: z.string(),
    dest_tag: kojiInt,
    dest_tag_name: z.string(),
  })
  .nullable();

export const tagInfo = z.object({ id: kojiInt, name: z.string(), locked: z.boolean() }).nullable();

/** The raw upload endpoint's answer for one chunk; `hexdigest` is the chunk's adler32 as %08x. */
export const chunkAnswer = z.object({ size: kojiInt, offset: kojiInt, hexdigest: z.string() });

/** checkUpload(path, name, 'adler32'): the whole file as the hub holds it; nil when absent. */
export const uploadCheck = z.object({ size: kojiInt, hexdigest: z.string() }).nullable();

export const base64Text = z.string().regex(/^[A-Za-z0-9+/=\s]*$/);
