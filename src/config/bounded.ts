import { z } from 'zod';

/**
 * A finite number within bounds, its message saying them. Bounded so that what is computed from
 * it at run time stays valid: a Date (1e300 seconds is an Invalid time value), a setTimeout delay
 * (2147483 s at most, or it fires at once). Checked as one custom rule so that the message is ours
 * also for YAML's .inf and .nan, which a plain number schema reports as a wrong type.
 */
export function bounded(o: {
  readonly min: number;
  /** The minimum itself is refused (a positive number: 0 excluded). */
  readonly above?: boolean;
  readonly max: number;
  readonly integer?: boolean;
  /** What the message calls the expected value, with the bounds: "seconds from 10 to 86400". */
  readonly expected: string;
}) {
  return z.custom<number>(
    (v) =>
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (o.integer !== true || Number.isInteger(v)) &&
      (o.above === true ? v > o.min : v >= o.min) &&
      v <= o.max,
    { error: (iss) => `expected ${o.expected}, got ${yamlValue(iss.input)}` },
  );
}

/** A value as the YAML file spelt it, near enough: .inf and .nan as such, strings quoted. */
function yamlValue(v: unknown): string {
  if (typeof v === 'number')
    return Number.isNaN(v) ? '.nan' : v === Infinity ? '.inf' : v === -Infinity ? '-.inf' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  return Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : String(v);
}
