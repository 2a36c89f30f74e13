import type { BuildChecksRecord } from '../../ports/store.ts';
import type { CheckFacts } from '../../render/checks.ts';

/** What the reports say of a build's test stage, from its record. */
export function checkFactsOf(r: BuildChecksRecord): CheckFacts {
  return {
    state: r.state,
    testingUrl: r.testingUrl,
    stableUrl: r.stableUrl,
    results: r.checks.map((c) => ({ name: c.name, passed: c.passed, failure: c.failure, tail: c.tail })),
    tail: r.tail,
  };
}
