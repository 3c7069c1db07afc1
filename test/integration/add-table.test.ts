/**
 * "Adding a table" of the README by hand (its "By hand" steps; the add-table command has
 * tables-add.test.ts), done on the shared running stack: a new table in source and target, appended
 * to the running connector's table.include.list through Connect's REST API, its changes applied by a
 * pipeline service that subscribes to the new topic while it runs, and the connector restored
 * exactly as it was found, whatever happens.
 *
 * The table lives in a schema of its own (`added_<random>.products`), and the test's pipeline
 * applies only that schema; the test deletes the topic afterwards. (A pipeline with the default
 * pattern, every schema, would apply it too: the integration files run one at a time, so none runs.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { expect, it } from 'vitest';
import { connectorStatus, isRunning, readConnectorFile } from '../../infra/stack/connect.js';
import { startPipelineChild, type PipelineChild } from '../../infra/demo/pipeline-child.js';
import { identical, verifyTable, type TableVerdict } from '../../src/tools/verify.js';
import { cliEnv } from './support/cli.js';
import { kafkaClient, source, stack, target } from './support/stack.js';

const PUBLICATION_TIMEOUT_MS = 60_000;
const CONVERGE_TIMEOUT_MS = 60_000;
const POLL_MS = 250;

type ConnectorConfig = Record<string, string>;

async function connectorConfig(name: string): Promise<ConnectorConfig> {
  const response = await fetch(`${stack().CONNECT_URL}/connectors/${encodeURIComponent(name)}/config`);
  expect(response.status, `GET config of ${name}`).toBe(200);
  return (await response.json()) as ConnectorConfig;
}

async function putConnectorConfig(name: string, config: ConnectorConfig): Promise<void> {
  const response = await fetch(`${stack().CONNECT_URL}/connectors/${encodeURIComponent(name)}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  if (response.status !== 200 && response.status !== 201)
    throw new Error(`Connect refused the config (HTTP ${response.status}): ${await response.text()}`);
}

const publicationTables = (publication: string): Promise<string[]> =>
  source(async (db) => {
    const { rows } = await db.query<{ name: string }>(
      `SELECT schemaname || '.' || tablename AS name FROM pg_publication_tables WHERE pubname = $1 ORDER BY 1`,
      [publication],
    );
    return rows.map((row) => row.name);
  });

/** Polls until `probe` returns a value, or undefined after the timeout. */
async function waitUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await sleep(POLL_MS);
  }
}

async function waitConnectorRunning(name: string): Promise<void> {
  const running = await waitUntil(async () => {
    const status = await connectorStatus(stack().CONNECT_URL, name);
    return status && isRunning(status) ? true : undefined;
  }, PUBLICATION_TIMEOUT_MS);
  expect(running, `connector ${name} and its task RUNNING`).toBe(true);
}

/** The README's DDL for `products`, in the given schema; the target's copy adds synced_at. */
const productsDdl = (table: string, side: 'source' | 'target'): string[] =>
  side === 'source'
    ? [
        `CREATE TABLE ${table} (
           id         SERIAL         PRIMARY KEY,
           name       VARCHAR(200)   NOT NULL,
           price      NUMERIC(10, 2) NOT NULL,
           in_stock   BOOLEAN        NOT NULL DEFAULT true,
           updated_at TIMESTAMP      NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
        `ALTER TABLE ${table} REPLICA IDENTITY FULL`,
      ]
    : [
        `CREATE TABLE ${table} (
           id         INTEGER        PRIMARY KEY,
           name       VARCHAR(200)   NOT NULL,
           price      NUMERIC(10, 2) NOT NULL,
           in_stock   BOOLEAN        NOT NULL,
           updated_at TIMESTAMP      NOT NULL,
           synced_at  TIMESTAMPTZ    NOT NULL DEFAULT now())`,
      ];

it('adds a table to the running connector and pipeline, then leaves the connector exactly as it was', async () => {
  const { name } = readConnectorFile();
  const original = await connectorConfig(name);
  const publication = original['publication.name'] ?? 'dbz_publication';
  const prefix = original['topic.prefix'] ?? 'dbserver1';
  const originalPublication = await publicationTables(publication);
  const run = `${process.pid}_${Date.now().toString(36)}`;
  const schema = `added_${run}`;
  const table = `${schema}.products`;
  const topic = `${prefix}.${table}`;
  const groupId = `cdc-add-table-${run}`;
  const logFile = path.join(os.tmpdir(), `${groupId}.log`);
  let child: PipelineChild | undefined;
  let publicationBy = 'nobody';
  const cleanupErrors: string[] = [];
  const cleanup = async (what: string, action: () => Promise<unknown>): Promise<void> => {
    await action().catch((error: unknown) => cleanupErrors.push(`${what}: ${(error as Error).message}`));
  };

  try {
    // 1. The table in both databases (the target's copy with synced_at), before the connector knows it.
    await source(async (db) => {
      await db.query(`CREATE SCHEMA ${schema}`);
      for (const statement of productsDdl(table, 'source')) await db.query(statement);
    });
    await target(async (db) => {
      await db.query(`CREATE SCHEMA ${schema}`);
      for (const statement of productsDdl(table, 'target')) await db.query(statement);
    });

    // 2. A pipeline service already running: it must pick the new topic up by itself.
    child = startPipelineChild(
      cliEnv({
        PIPELINE_GROUP_ID: groupId,
        PIPELINE_TOPIC_PATTERN: `^${prefix.replace(/\./g, '\\.')}\\.${schema}\\..+$`,
        LOG_FORMAT: 'json',
        PIPELINE_PROGRESS_INTERVAL_MS: '0',
      }),
      logFile,
    );

    // It runs before the topic exists: it says so and waits for one to appear.
    const waiting = await waitUntil(
      async () =>
        fs.existsSync(logFile) && fs.readFileSync(logFile, 'utf8').includes('no topic matches yet')
          ? true
          : undefined,
      PUBLICATION_TIMEOUT_MS,
    );
    expect(waiting, `the pipeline is waiting for a matching topic (log ${logFile})`).toBe(true);

    // 3. The running connector's config with the table appended to table.include.list.
    const includeList = original['table.include.list'];
    expect(includeList, 'the connector names its tables').toBeTruthy();
    await putConnectorConfig(name, { ...original, 'table.include.list': `${includeList},${table}` });

    // 4. publication.autocreate.mode=filtered: the restarted task sets the publication's tables.
    const added = await waitUntil(
      async () => ((await publicationTables(publication)).includes(table) ? true : undefined),
      PUBLICATION_TIMEOUT_MS,
    );
    if (added) publicationBy = 'Debezium';
    else {
      // The README's fallback, for a connector that does not manage its publication.
      await source((db) => db.query(`ALTER PUBLICATION ${publication} ADD TABLE ${table}`));
      publicationBy = 'the test (ALTER PUBLICATION)';
    }
    console.log(`${table} was added to publication ${publication} by ${publicationBy}`);
    await waitConnectorRunning(name);

    // 5. Changes to the new table while the pipeline runs: inserts, updates, deletes, a key change.
    await source(async (db) => {
      await db.query(
        `INSERT INTO ${table} (name, price, in_stock)
           SELECT 'product ' || i, (i * 1.25)::numeric(10, 2), i % 4 <> 0 FROM generate_series(1, 200) AS i`,
      );
      await db.query(`INSERT INTO ${table} (name, price) VALUES ($1, 12.5)`, [`Café "crème", l'été 🚀`]);
      await db.query(`UPDATE ${table} SET price = price * 2, name = name || ' v2' WHERE id % 3 = 0`);
      await db.query(
        `UPDATE ${table} SET in_stock = NOT in_stock, updated_at = now() WHERE id BETWEEN 50 AND 60`,
      );
      await db.query(`DELETE FROM ${table} WHERE id % 10 = 0`);
      await db.query(`UPDATE ${table} SET id = 5000 WHERE id = 1`);
    });

    // 6. The target equals the source.
    let verdict: TableVerdict | undefined;
    const converged = await waitUntil(async () => {
      verdict = await withClients((from, to) => verifyTable(from, to, 'products', { schema }));
      return identical(verdict) ? true : undefined;
    }, CONVERGE_TIMEOUT_MS);
    expect(
      converged,
      `target ${table} differs from source: ${JSON.stringify(verdict)}\n  pipeline log: ${logFile}`,
    ).toBe(true);
    expect(verdict!.sourceRows).toBe(181);
    expect(verdict!.comparedColumns).toEqual(['id', 'name', 'price', 'in_stock', 'updated_at']);

    // The service saw the topic appear and subscribed without a restart of ours.
    const log = fs.readFileSync(logFile, 'utf8');
    expect(log).toContain('new topics match the pattern: restarting the consumer to subscribe');
    expect(log).toContain(topic);
  } finally {
    // Restore first, so the connector never points at a dropped table; then stop, drop, delete.
    await cleanup('restore the connector config', () => putConnectorConfig(name, original));
    await cleanup('wait for the publication to be restored', async () => {
      const removed = await waitUntil(
        async () => ((await publicationTables(publication)).includes(table) ? undefined : true),
        PUBLICATION_TIMEOUT_MS,
      );
      // If the task did not set it back, dropping the table below removes it from the publication.
      console.log(`${table} ${removed ? 'was removed from' : 'stayed in'} ${publication} on restore`);
    });
    await cleanup('wait for the connector', () => waitConnectorRunning(name));
    await cleanup('stop the pipeline', async () => {
      const stopped = await child?.stop();
      if (stopped && (stopped.forced || stopped.code !== 0))
        throw new Error(`exit ${stopped.code}${stopped.forced ? ' (killed)' : ''}; log ${logFile}`);
    });
    await cleanup('drop the source table', () =>
      source((db) => db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)),
    );
    await cleanup('drop the target table', () =>
      target((db) => db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)),
    );
    await cleanup('delete the topic and the consumer group', async () => {
      const admin = kafkaClient('cdc-test-add-table').admin();
      await admin.connect();
      try {
        if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic] });
        await admin.deleteGroups([groupId]).catch(() => undefined);
      } finally {
        await admin.disconnect();
      }
    });
  }

  expect(cleanupErrors).toEqual([]);
  expect(await connectorConfig(name)).toEqual(original);
  expect(await publicationTables(publication)).toEqual(originalPublication);
  fs.rmSync(logFile, { force: true });
}, 420_000);

async function withClients<T>(work: (from: pg.Client, to: pg.Client) => Promise<T>): Promise<T> {
  return source((from) => target((to) => work(from, to)));
}
