/**
 * Paced writes for the benches: `transactions` writes spread evenly at `perSecond`, started on a
 * TICK_MS clock without waiting for earlier ones (a slow commit does not lower the offered rate).
 * Resolves when every write has finished; the first failure stops the pacing and is thrown.
 */
import { setTimeout as sleep } from 'node:timers/promises';

const TICK_MS = 10;

export interface Pace {
  readonly transactions: number;
  readonly perSecond: number;
}

/** `write(index)` starts write number `index` (0, 1, …, in order) and resolves once it committed. */
export async function paced(
  { transactions, perSecond }: Pace,
  write: (index: number) => Promise<void>,
): Promise<void> {
  const started = performance.now();
  const busy = new Set<Promise<void>>();
  let failure: unknown;
  let sent = 0;
  while (sent < transactions) {
    if (failure !== undefined) throw failure;
    const due = Math.min(transactions, Math.floor(((performance.now() - started) / 1000) * perSecond));
    for (; sent < due; sent += 1) {
      const done = write(sent)
        .then(
          () => undefined,
          (error: unknown) => {
            failure ??= error;
          },
        )
        .finally(() => busy.delete(done));
      busy.add(done);
    }
    await sleep(TICK_MS);
  }
  await Promise.all(busy);
  if (failure !== undefined) throw failure;
}
