import type { Consumer } from 'kafkajs';
import { concatMap, filter, map, type Observable, type Observer } from 'rxjs';
import {
  batch,
  commitDurable,
  compactBatch,
  decodeDebezium,
  fromKafka,
  OffsetTracker,
  route,
  splitFailures,
  type ChangeEvent,
  type ChangeSink,
  type Decoded,
  type Failure,
  type Row,
} from '../src/index.js';

/** Keeps only the domain of an e-mail address: `jane@example.com` → `***@example.com`. */
const maskEmail = (row: Row | null): Row | null =>
  row && typeof row.email === 'string' ? { ...row, email: row.email.replace(/^[^@]*/, '***') } : row;

/**
 * Users into `public.users_masked`: test accounts left out, e-mail addresses masked.
 * Emits the number of changes in each flushed batch.
 */
export function maskedUsers(
  consumer: Consumer,
  sink: ChangeSink,
  deadLetters: Observer<Failure>,
): Observable<number> {
  const tracker = new OffsetTracker();
  const isTestAccount = (change: ChangeEvent): boolean =>
    /@test\.invalid$/.test(String((change.after ?? change.before)?.email));
  const skip = (decoded: Decoded): false => {
    tracker.done([decoded.origin]); // nothing to apply, but its offset must still be committed
    return false;
  };
  return fromKafka(consumer, { topics: ['dbserver1.public.users'], tracker }).pipe(
    decodeDebezium(),
    splitFailures(deadLetters),
    filter(
      (decoded): decoded is ChangeEvent =>
        (decoded.kind === 'change' && !isTestAccount(decoded)) || skip(decoded),
    ),
    map((change): ChangeEvent => ({
      ...change,
      before: maskEmail(change.before),
      after: maskEmail(change.after),
    })),
    route({ tables: { 'dbserver1.public.users': 'public.users_masked' } }),
    splitFailures(deadLetters),
    batch({ maxSize: 1000, maxWaitMs: 100 }),
    concatMap(async (changes) => {
      const { failed } = await sink.flush(compactBatch(changes));
      failed.forEach((failure) => deadLetters.next(failure));
      tracker.done(changes.map((change) => change.origin));
      await commitDurable(consumer, tracker);
      return changes.length;
    }),
  );
}
