/**
 * The series CI jobs reported as not applying, kept where the next job finds them (the published
 * tree): a job starts with an empty database and reads an mbox or public-inbox source whole, so a
 * series that never applies would fail again, and count again, in every nightly.
 */
export interface NotAppliedRecord {
  /** Ids of the series earlier jobs reported as not applying; empty when none were. Throws a
   * PatchferryError (`not_applied_unreadable`) when the record cannot be read. */
  reported(): Promise<ReadonlySet<string>>;
  /** Replaces the record with `seriesIds`, every series this job found not applying (reported now
   * or before): one that applied since, or left the mailbox, leaves the record. */
  replace(seriesIds: readonly string[]): Promise<void>;
}
