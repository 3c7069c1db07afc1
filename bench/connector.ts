/**
 * A bench's own Debezium connector: registered on the stack's Connect with the shipped
 * debezium-config file's settings, pointed at the bench's tables, slot and publication, waited on
 * until it runs; and removed at the end together with its replication slot (a slot left behind
 * keeps WAL on the source until it fills the disk).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { readConnectorFile } from '../infra/stack/connect.js';
import { connectorStatus, connectRequest, failureOf, isRunning } from '../src/tools/connect-rest.js';

const POLL_MS = 100;
const RUNNING_POLLS = 600;
const SLOT_RELEASE_POLLS = 50;
const SLOT_RELEASE_POLL_MS = 200;

export interface BenchConnector {
  /** Connect keeps a source connector's offsets by its name: give each run a fresh one. */
  readonly name: string;
  readonly sourcePort: number;
  readonly prefix: string;
  readonly slot: string;
  readonly publication: string;
  /** Schema-qualified tables to capture (`public.t`). */
  readonly tables: readonly string[];
  /** Settings on top of the shipped file's and the above (e.g. provide.transaction.metadata). */
  readonly extra?: Readonly<Record<string, string>>;
}

/** Registers the connector (streaming only: no snapshot) and waits until it and its task run. */
export async function registerBenchConnector(connectUrl: string, connector: BenchConnector): Promise<void> {
  const { name } = connector;
  const { config } = readConnectorFile();
  const { status, json } = await connectRequest('PUT', `${connectUrl}/connectors/${name}/config`, {
    ...config,
    'database.hostname': '127.0.0.1',
    'database.port': String(connector.sourcePort),
    'topic.prefix': connector.prefix,
    'slot.name': connector.slot,
    'publication.name': connector.publication,
    'table.include.list': connector.tables.join(','),
    'snapshot.mode': 'no_data',
    ...connector.extra,
  });
  if (status !== 200 && status !== 201) throw new Error(`Connect refused ${name}: ${JSON.stringify(json)}`);
  for (let i = 0; i < RUNNING_POLLS; i += 1) {
    const state = await connectorStatus(connectUrl, name);
    const failure = state && failureOf(state);
    if (failure) throw new Error(`${name} failed: ${failure.split('\n')[0]}`);
    if (state && isRunning(state)) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${name} did not start`);
}

/** RUNNING comes before the slot exists; rows written before it is active would never be streamed. */
export async function waitSlotActive(source: pg.Client, slot: string): Promise<void> {
  while (
    (await source.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [slot]))
      .rowCount === 0
  )
    await sleep(POLL_MS);
}

/** Deletes the connector (best effort), then drops its slot once Connect has released it. */
export async function removeBenchConnector(
  connectUrl: string,
  source: pg.Client,
  { name, slot }: Pick<BenchConnector, 'name' | 'slot'>,
): Promise<void> {
  await connectRequest('DELETE', `${connectUrl}/connectors/${name}`).catch(() => undefined);
  for (let i = 0; i < SLOT_RELEASE_POLLS; i += 1) {
    const { rows } = await source.query<{ active: boolean }>(
      'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
      [slot],
    );
    if (rows.length === 0) return;
    if (!rows[0]!.active) {
      await source.query('SELECT pg_drop_replication_slot($1)', [slot]);
      return;
    }
    await sleep(SLOT_RELEASE_POLL_MS);
  }
}
