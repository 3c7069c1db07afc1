/**
 * Outages are weather, not failures (DESIGN.md): while the broker or the target does not answer,
 * the service waits and retries, and says what it waits for at a sane rate — one line when the
 * outage starts, then one every `reportEveryMs` (`target PostgreSQL unreachable for 12 s, retrying`),
 * and one when the part is back. An outage longer than `maxOutageMs` (0 = no limit) is fatal.
 */
import type { Logger } from 'pino';
import { OutageTooLongError, summarizeError, type Part } from './errors.js';

/** How often a continuing outage is reported. */
export const OUTAGE_REPORT_EVERY_MS = 10_000;

export const PART_NAMES: Readonly<Record<Part, string>> = {
  broker: 'Kafka',
  target: 'target PostgreSQL',
};

export interface OutageMonitorOptions {
  readonly logger: Logger;
  /** An outage longer than this ends the service (0 = wait without limit). */
  readonly maxOutageMs: number;
  /** The variable that sets `maxOutageMs`, named in the fatal message. */
  readonly maxOutageVariable?: string;
  readonly reportEveryMs?: number;
  readonly now?: () => number;
}

interface Outage {
  readonly since: number;
  reportedAt: number;
  lastError: unknown;
}

/** What an outage looks like from outside: for readiness and metrics. */
export interface OutageState {
  readonly part: Part;
  readonly sinceMs: number;
  readonly reason: string;
}

/** The most recent failure of a part, kept after it recovered: the "last error" an operator asks for. */
export interface LastFailure {
  readonly part: Part;
  readonly reason: string;
  /** When it was seen, epoch ms. */
  readonly atMs: number;
}

export class OutageMonitor {
  private readonly outages = new Map<Part, Outage>();
  private last: LastFailure | undefined;
  private readonly reportEveryMs: number;
  private readonly now: () => number;

  constructor(private readonly options: OutageMonitorOptions) {
    this.reportEveryMs = options.reportEveryMs ?? OUTAGE_REPORT_EVERY_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * Notes that `part` failed with a transient error and reports it when due.
   *
   * @throws OutageTooLongError when the outage has lasted longer than the limit.
   */
  failing(part: Part, error: unknown): void {
    const now = this.now();
    const outage = this.outages.get(part);
    const reason = summarizeError(error);
    this.last = { part, reason, atMs: now };
    if (outage === undefined) {
      this.outages.set(part, { since: now, reportedAt: now, lastError: error });
      this.options.logger.warn({ part, reason }, `${PART_NAMES[part]} unreachable, retrying: ${reason}`);
      return;
    }
    outage.lastError = error;
    const downMs = now - outage.since;
    const { maxOutageMs, maxOutageVariable = 'PIPELINE_MAX_OUTAGE_S' } = this.options;
    if (maxOutageMs > 0 && downMs > maxOutageMs) {
      throw new OutageTooLongError(
        `${PART_NAMES[part]} unreachable for ${seconds(downMs)} s, longer than ${maxOutageVariable}=${seconds(maxOutageMs)}: giving up (${reason})`,
        error,
      );
    }
    if (now - outage.reportedAt < this.reportEveryMs) return;
    outage.reportedAt = now;
    this.options.logger.warn(
      { part, downSeconds: seconds(downMs), reason },
      `${PART_NAMES[part]} unreachable for ${seconds(downMs)} s, retrying: ${reason}`,
    );
  }

  /** Notes that `part` answered again; reports the end of its outage, if it had one. */
  recovered(part: Part): void {
    const outage = this.outages.get(part);
    if (outage === undefined) return;
    this.outages.delete(part);
    const downMs = this.now() - outage.since;
    this.options.logger.info(
      { part, downSeconds: seconds(downMs) },
      `${PART_NAMES[part]} is back after ${seconds(downMs)} s`,
    );
  }

  /** The last failure of any part, even one that is over. */
  lastFailure(): LastFailure | undefined {
    return this.last;
  }

  /** The parts that are down now, with how long and why. */
  current(): OutageState[] {
    const now = this.now();
    return [...this.outages].map(([part, outage]) => ({
      part,
      sinceMs: now - outage.since,
      reason: summarizeError(outage.lastError),
    }));
  }
}

const seconds = (ms: number): number => Math.round(ms / 1000);
