import type { Consumer } from 'kafkajs';
import { map, type Observable } from 'rxjs';
import {
  acknowledgeDropped,
  acknowledgeSkips,
  applyAndAcknowledge,
  batch,
  Committer,
  deadLetterFailures,
  decodeDebezium,
  fromKafka,
  route,
  type ChangeEvent,
  type ChangeSink,
  type DeadLetterSinkPort,
  type Row,
} from '../src/index.js';

/** Keeps only the domain of an e-mail address: `jane@example.com` → `***@example.com`. */
const maskEmail = (row: Row | null): Row | null =>
  row && typeof row.email === 'string' ? { ...row, email: row.email.replace(/^[^@]*/, '***') } : row;

const isTestAccount = (change: ChangeEvent): boolean =>
  /@test\.invalid$/.test(String((change.after ?? change.before)?.email));

/**
 * Users into `public.users_masked`: test accounts left out, e-mail addresses masked.
 * Emits the number of changes in each applied batch.
 *
 * Every record the source emits leaves the chain through an operator that acknowledges it to the
 * committer — dead-lettered, skipped (a tombstone), dropped (a test account) or applied — so the
 * consumer's commits never stall behind a record the chain set aside.
 */
export function maskedUsers(
  consumer: Consumer,
  sink: ChangeSink,
  deadLetters: DeadLetterSinkPort,
  { topic = 'dbserver1.public.users', committer = new Committer(consumer) } = {},
): Observable<number> {
  return fromKafka(consumer, { topics: [topic], tracker: committer.tracker }).pipe(
    decodeDebezium(),
    deadLetterFailures(committer, deadLetters),
    acknowledgeSkips(committer),
    acknowledgeDropped(committer, (change) => !isTestAccount(change)),
    map((change): ChangeEvent => ({
      ...change,
      before: maskEmail(change.before),
      after: maskEmail(change.after),
    })),
    route({ tables: { [topic]: 'public.users_masked' } }),
    deadLetterFailures(committer, deadLetters),
    batch({ maxSize: 1000, maxWaitMs: 100 }),
    applyAndAcknowledge(committer, sink, deadLetters),
  );
}
