/**
 * The running connector as add-table and remove-table change it: its config read and put back
 * through Connect's REST API, then waited on until the connector and its task run again with the
 * new table list, and until the source's publication follows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Queryable } from '../../sinks/pool.js';
import type { TableRef } from '../../types.js';
import { connectRequest, connectorConfig, connectorStatus, failureOf, isRunning } from '../connect-rest.js';
import type { ConnectorConfig } from './connector-tables.js';

/** A restarted connector runs, and its publication follows, within this. */
export const CONNECTOR_SETTLE_TIMEOUT_MS = 90_000;
const POLL_MS = 500;

/** The running connector's config, or an error that names the fix. */
export async function runningConfig(connectUrl: string, name: string): Promise<ConnectorConfig> {
  const config = await connectorConfig(connectUrl, name).catch((error: Error) => {
    throw new Error(
      `cannot reach Kafka Connect at ${connectUrl}: ${error.message}\n  fix: start it (npm run stack:up in the project), or set CONNECT_URL`,
    );
  });
  if (config === undefined)
    throw new Error(
      `connector ${name} is not registered on ${connectUrl}\n  fix: register it (npm run stack:up does), or name yours with --connector`,
    );
  return config;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + CONNECTOR_SETTLE_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${CONNECTOR_SETTLE_TIMEOUT_MS / 1000} s waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** Puts the config back and waits until the connector and its task run (a failure's trace is shown). */
export async function putConfig(connectUrl: string, name: string, config: ConnectorConfig): Promise<void> {
  const { status, json } = await connectRequest(
    'PUT',
    `${connectUrl}/connectors/${encodeURIComponent(name)}/config`,
    config,
  );
  if (status !== 200 && status !== 201)
    throw new Error(`Connect refused the connector config (HTTP ${status}): ${JSON.stringify(json)}`);
  // The restart takes a moment to show: a status read at once may still be the old task's.
  await sleep(POLL_MS * 2);
  await until(`connector ${name} and its task to run`, async () => {
    const state = await connectorStatus(connectUrl, name);
    const failure = state && failureOf(state);
    if (failure !== undefined)
      throw new Error(
        `connector ${name} FAILED: ${failure.split('\n').slice(0, 3).join(' ')}\n  fix: npm run connector:status shows the trace`,
      );
    return state && isRunning(state) ? true : undefined;
  });
}

const published = async (source: Queryable, publication: string, ref: TableRef): Promise<boolean> =>
  (
    await source.query(
      'SELECT 1 FROM pg_catalog.pg_publication_tables WHERE pubname = $1 AND schemaname = $2 AND tablename = $3',
      [publication, ref.schema, ref.table],
    )
  ).rowCount !== 0;

/**
 * Waits until the publication holds (or no longer holds) each table: PostgreSQL publishes only the
 * changes committed after a table joined it, so a backfill starts after that. With
 * `publication.autocreate.mode=disabled` nobody else edits the publication: this does.
 */
export async function settlePublication(
  source: Queryable,
  config: ConnectorConfig,
  tables: readonly TableRef[],
  wanted: boolean,
): Promise<void> {
  const publication = config['publication.name'] ?? 'dbz_publication';
  const mode = config['publication.autocreate.mode'] ?? 'all_tables';
  for (const ref of tables) {
    if (mode === 'disabled' && (await published(source, publication, ref)) !== wanted) {
      const name = `${pg.escapeIdentifier(ref.schema)}.${pg.escapeIdentifier(ref.table)}`;
      await source.query(
        `ALTER PUBLICATION ${pg.escapeIdentifier(publication)} ${wanted ? 'ADD' : 'DROP'} TABLE ${name}`,
      );
    }
    await until(
      `${ref.schema}.${ref.table} ${wanted ? 'in' : 'out of'} publication ${publication}`,
      async () => ((await published(source, publication, ref)) === wanted ? true : undefined),
    );
  }
}
