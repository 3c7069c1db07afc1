/**
 * The service's supervisor loop, apart from Kafka so the shutdown race can be tested without a
 * broker (issue 8: a SIGTERM that arrived while the consumer restarted was dropped). Sessions run
 * one after another until shutdown is requested; a request made while nobody listens (between two
 * sessions, during a backoff) still ends the loop, as `Shutdown` remembers it.
 */
import { isFatal } from './errors.js';
import type { Shutdown } from './shutdown.js';

export interface SuperviseOptions {
  readonly shutdown: Shutdown;
  /** One session: resolves when it ended by itself (shutdown, a consumer restart), rejects on a failure. */
  readonly session: () => Promise<void>;
  /** Told about each failure that is not fatal (an outage); a throw here ends the loop with it. */
  readonly onFailure: (error: unknown) => void;
  /** How long to wait before the next session after `failures` consecutive failures (0 for the first). */
  readonly restartDelay: (failures: number) => number;
}

/** Runs sessions until shutdown is requested. Rejects with a fatal error, or what `onFailure` threw. */
export async function superviseSessions({
  shutdown,
  session,
  onFailure,
  restartDelay,
}: SuperviseOptions): Promise<void> {
  let failures = 0;
  while (!shutdown.requested) {
    try {
      await session();
      failures = 0;
    } catch (error) {
      if (isFatal(error)) throw error;
      onFailure(error);
      // Ends early when shutdown is requested meanwhile.
      await shutdown.sleep(restartDelay(failures++));
    }
  }
}
