/**
 * Readiness, Kubernetes-style: ready means partitions are assigned, Kafka answers and the target
 * PostgreSQL answers. The outage monitor knows what the service has been waiting for; the target is
 * also asked directly, since an idle pipeline writes nothing and would not notice a target that went
 * away. The answer names every reason it is not ready, without any row value.
 */
import { summarizeError, type Part } from '../errors.js';
import { PART_NAMES, type LastFailure, type OutageState } from '../outage.js';
import { withTimeout } from './with-timeout.js';

/** How long /readyz waits for the target to answer its probe. */
export const TARGET_PROBE_TIMEOUT_MS = 2000;

export interface ReadinessSources {
  readonly assignedPartitions: () => number;
  readonly outages: () => readonly OutageState[];
  readonly lastFailure: () => LastFailure | undefined;
  /** A trivial query on the target (`SELECT 1`); rejects when the target does not answer. */
  readonly probeTarget?: () => Promise<unknown>;
}

export interface Check {
  readonly ok: boolean;
  readonly reason?: string;
}

export interface Readiness {
  readonly ready: boolean;
  /** Why not, one line per failed check. */
  readonly reasons: readonly string[];
  readonly checks: {
    readonly partitions: Check & { readonly assigned: number };
    readonly broker: Check;
    readonly target: Check;
  };
  /** The last failure of any part, even one that is over: what `npm run status` shows. */
  readonly lastError: { readonly part: Part; readonly reason: string; readonly at: string } | null;
}

export async function checkReadiness(sources: ReadinessSources): Promise<Readiness> {
  const outages = new Map(sources.outages().map((outage) => [outage.part, outage]));
  const assigned = sources.assignedPartitions();
  const outageCheck = (part: Part): Check => {
    const outage = outages.get(part);
    return outage === undefined
      ? { ok: true }
      : {
          ok: false,
          reason: `${PART_NAMES[part]} unreachable for ${Math.round(outage.sinceMs / 1000)} s: ${outage.reason}`,
        };
  };
  let target = outageCheck('target');
  if (target.ok && sources.probeTarget !== undefined) {
    const probeTarget = sources.probeTarget;
    target = await withTimeout(probeTarget(), TARGET_PROBE_TIMEOUT_MS).then(
      () => ({ ok: true }),
      (error: unknown) => ({
        ok: false,
        reason: `${PART_NAMES.target} does not answer: ${summarizeError(error)}`,
      }),
    );
  }
  const partitions =
    assigned > 0
      ? { ok: true, assigned }
      : {
          ok: false,
          assigned,
          reason: 'no partition assigned (starting, rebalancing or waiting for a topic)',
        };
  const checks = { partitions, broker: outageCheck('broker'), target };
  const reasons = Object.values(checks).flatMap((check) => (check.ok ? [] : [check.reason ?? 'failed']));
  const last = sources.lastFailure();
  return {
    ready: reasons.length === 0,
    reasons,
    checks,
    lastError:
      last === undefined
        ? null
        : { part: last.part, reason: last.reason, at: new Date(last.atMs).toISOString() },
  };
}
