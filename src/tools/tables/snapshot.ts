/**
 * Backfill through a Debezium incremental snapshot: an `execute-snapshot` row in the signal table,
 * then the connector's notifications (Kafka sink channel) followed until the snapshot completes.
 * Debezium reads the tables in chunks by primary key while it streams, and drops a chunk's read of
 * any row changed in that chunk's window, so the backfill never regresses a newer change.
 * Notification payloads (Debezium 3.6, seen on the stack): STARTED, IN_PROGRESS per chunk with
 * `current_collection_in_progress`, `last_processed_key` and `maximum_key`, TABLE_SCAN_COMPLETED
 * with `scanned_collection`, `total_rows_scanned` and `status`, then COMPLETED (or ABORTED).
 */
import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { quoteTable } from '../../sinks/catalog.js';
import type { Queryable } from '../../sinks/pool.js';
import type { TableRef } from '../../types.js';
import { kafkaFor } from '../kafka-admin.js';
import { qualifiedName } from './connector-tables.js';

/** A snapshot that shows no notification for this long is reported as stuck. */
export const SNAPSHOT_QUIET_TIMEOUT_MS = 120_000;
const INCREMENTAL = 'Incremental Snapshot';

interface Notification {
  readonly id: string;
  readonly type: string;
  readonly aggregate_type: string;
  readonly additional_data?: Readonly<Record<string, string>>;
}

const notificationOf = (message: KafkaMessage): Notification | undefined => {
  if (message.value === null) return undefined;
  try {
    const parsed = JSON.parse(message.value.toString('utf8')) as { payload?: Notification } & Notification;
    return parsed.payload ?? parsed;
  } catch {
    return undefined;
  }
};

/** Inserts the execute-snapshot signal for `tables`; returns its id (the notifications' id). */
export async function signalSnapshot(
  source: Queryable,
  signalTable: TableRef,
  tables: readonly TableRef[],
): Promise<string> {
  const id = `add-table-${randomUUID()}`;
  const data = JSON.stringify({ 'data-collections': tables.map(qualifiedName), type: 'incremental' });
  await source.query(
    `INSERT INTO ${quoteTable(signalTable)} (id, type, data) VALUES ($1, 'execute-snapshot', $2)`,
    [id, data],
  );
  return id;
}

/** A line for each notification of the snapshot; undefined for the ones that say nothing new. */
export function progressLine(notification: Notification): string | undefined {
  const data = notification.additional_data ?? {};
  switch (notification.type) {
    case 'STARTED':
      return `  snapshot started: ${data.data_collections ?? ''}`;
    case 'IN_PROGRESS':
      return `  ${data.current_collection_in_progress ?? '?'}: read up to key ${data.last_processed_key ?? '?'} (last key ${data.maximum_key ?? '?'})`;
    case 'TABLE_SCAN_COMPLETED':
      return `  ${data.status === 'SUCCEEDED' ? '✓' : '✗'} ${data.scanned_collection ?? '?'}: ${data.total_rows_scanned ?? '?'} rows read (${data.status ?? '?'})`;
    default:
      return undefined;
  }
}

/**
 * Follows the snapshot `id` on the notification topic until it completes. Resolves with the tables
 * whose scan did not succeed (empty when all did); rejects when it is aborted or goes quiet.
 */
export async function followSnapshot(
  brokers: string,
  topic: string,
  id: string,
  progress: (line: string) => void,
): Promise<string[]> {
  const groupId = `cdc-add-table-${randomUUID()}`;
  const kafka = kafkaFor(brokers, 'cdc-add-table');
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
  const failed: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let quiet = setTimeout(onQuiet, SNAPSHOT_QUIET_TIMEOUT_MS);
      function onQuiet(): void {
        reject(
          new Error(
            `no notification of snapshot ${id} on ${topic} for ${SNAPSHOT_QUIET_TIMEOUT_MS / 1000} s\n` +
              '  fix: check the connector (npm run connector:status) and its log; the rows are backfilled when it resumes',
          ),
        );
      }
      void consumer
        .run({
          eachMessage: async ({ message }) => {
            const notification = notificationOf(message);
            if (notification?.id !== id || notification.aggregate_type !== INCREMENTAL) return;
            clearTimeout(quiet);
            quiet = setTimeout(onQuiet, SNAPSHOT_QUIET_TIMEOUT_MS);
            const line = progressLine(notification);
            if (line !== undefined) progress(line);
            const data = notification.additional_data ?? {};
            if (notification.type === 'TABLE_SCAN_COMPLETED' && data.status !== 'SUCCEEDED')
              failed.push(`${data.scanned_collection ?? '?'} (${data.status ?? '?'})`);
            if (notification.type === 'COMPLETED') {
              clearTimeout(quiet);
              resolve();
            } else if (notification.type === 'ABORTED') {
              clearTimeout(quiet);
              reject(new Error(`snapshot ${id} was aborted (a stop-snapshot signal, or the connector)`));
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined) // A group left behind holds no offsets anyone reads.
      .finally(() => admin.disconnect());
  }
  return failed;
}
