/**
 * Issue 12 as a new user meets it: Debezium's tutorial database (the inventory schema) and a second
 * schema with a table of the same name, both holding rows before they join, added to the running
 * stack with `add-table` alone. No hand-written SQL: the target tables are created, the existing
 * rows backfilled by an incremental snapshot, the changes that follow applied, and verify is clean.
 * Then add-table again (idempotent), refusals that change nothing, and remove-table.
 *
 * Schemas carry the run's id so a shared stack stays clean; the connector file is a copy, so the
 * repository's debezium-config is never touched; the connector is restored whatever happens.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipelineChild, type PipelineChild } from '../../infra/demo/pipeline-child.js';
import { CONNECTOR_CONFIG_FILE } from '../../infra/stack/config.js';
import { cliEnv, runCli, shown } from './support/cli.js';
import { INVENTORY_TABLES, inventorySql } from './support/inventory.js';
import { kafkaClient, source, target } from './support/stack.js';
import {
  cleanUp,
  published,
  restoreConfig,
  runningConfig,
  waitUntil,
  type Config,
} from './support/tables.js';

const RUN = `${process.pid}_${Date.now().toString(36)}`;
const INVENTORY = `inventory_${RUN}`;
const SALES = `sales_${RUN}`;
const TABLES = [...INVENTORY_TABLES.map((table) => `${INVENTORY}.${table}`), `${SALES}.customers`];
const GROUP = `cdc-tables-add-${RUN}`;
const LOG_FILE = path.join(os.tmpdir(), `${GROUP}.log`);
const CONNECTOR_FILE = path.join(os.tmpdir(), `${GROUP}-connector.json`);
const ADD_TIMEOUT_MS = 180_000;

let original: Config;
let prefix: string;
let pipeline: PipelineChild | undefined;

const env = (): NodeJS.ProcessEnv =>
  cliEnv({
    PIPELINE_GROUP_ID: GROUP,
    PIPELINE_TOPIC_PATTERN: `^${prefix}\\.(${INVENTORY}|${SALES})\\.[^.]+$`,
    PIPELINE_NEW_GROUP_START: 'earliest',
    // sales.customers has a timetz: Debezium moves it to UTC, a loss the pipeline writes only when told.
    PIPELINE_ACCEPT_LOSSES: 'timetz-offset',
    PIPELINE_METRICS_PORT: '0',
    PIPELINE_PROGRESS_INTERVAL_MS: '0',
    LOG_FORMAT: 'json',
  });

const verifyAll = () => runCli('verify', ['--table', ...TABLES], { env: env() });

beforeAll(async () => {
  original = await runningConfig();
  prefix = original['topic.prefix'] ?? 'dbserver1';
  fs.copyFileSync(CONNECTOR_CONFIG_FILE, CONNECTOR_FILE);
  await source(async (db) => {
    for (const statement of inventorySql(INVENTORY)) await db.query(statement);
    await db.query(`CREATE SCHEMA ${SALES}`);
    // The same table name in a second schema, with a primary key of two columns and a timetz.
    await db.query(`CREATE TABLE ${SALES}.customers (
      region char(2), id bigint, name text NOT NULL, spent numeric(12,2), open_at time(0) with time zone,
      PRIMARY KEY (region, id))`);
    await db.query(`INSERT INTO ${SALES}.customers
      SELECT CASE WHEN i % 2 = 0 THEN 'EU' ELSE 'US' END, i, 'customer ' || i, i * 10.5, '09:00:00+02'
        FROM generate_series(1, 2500) AS i`);
  });
  pipeline = startPipelineChild(env(), LOG_FILE);
});

afterAll(async () => {
  await restoreConfig(original).catch(() => undefined);
  const stopped = await pipeline?.stop();
  const errors = await cleanUp([INVENTORY, SALES], prefix, [GROUP]);
  fs.rmSync(CONNECTOR_FILE, { force: true });
  expect(errors).toEqual([]);
  expect(stopped?.forced, `the pipeline stops gracefully (log ${LOG_FILE})`).toBe(false);
});

describe('add-table', () => {
  it('refuses a table without a primary key, and one that does not exist, before changing anything', async () => {
    await source((db) => db.query(`CREATE TABLE ${SALES}.keyless (a int)`));
    const run = await runCli(
      'add-table',
      [`${SALES}.keyless`, `${SALES}.nowhere`, '--connector-file', CONNECTOR_FILE],
      {
        env: env(),
      },
    );
    expect(run.code, shown(run)).toBe(1);
    expect(run.stderr).toContain(`✗ "${SALES}"."keyless" has no primary key`);
    expect(run.stderr).toContain(`fix: ALTER TABLE "${SALES}"."keyless" ADD PRIMARY KEY (…) in the source`);
    expect(run.stderr).toContain(`"${SALES}"."nowhere" does not exist in the source`);
    expect(await runningConfig()).toEqual(original);
    expect(fs.readFileSync(CONNECTOR_FILE, 'utf8')).toBe(fs.readFileSync(CONNECTOR_CONFIG_FILE, 'utf8'));
    expect(
      await target((db) => db.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [SALES])),
    ).toHaveProperty('rowCount', 0);
  });

  it(
    'creates the target tables, captures them and backfills the rows they held, with progress',
    async () => {
      const run = await runCli('add-table', [...TABLES, '--connector-file', CONNECTOR_FILE], {
        env: env(),
        timeoutMs: ADD_TIMEOUT_MS,
      });
      expect(run.code, shown(run)).toBe(0);
      for (const table of TABLES) {
        const [schema, name] = table.split('.');
        expect(run.stdout).toContain(`✓ target table "${schema}"."${name}" created`);
        expect(run.stdout).toMatch(
          new RegExp(`✓ ${table.replace('.', '\\.')}: \\d+ rows read \\(SUCCEEDED\\)`),
        );
      }
      expect(run.stdout).toContain(`${SALES}.customers: 2500 rows read (SUCCEEDED)`);
      // Progress per chunk (1024 rows by default) while the 2500 rows are read.
      expect(run.stdout).toMatch(new RegExp(`${SALES}\\.customers: read up to key .+ \\(last key .+\\)`));
      expect(run.stdout).toContain('✓ The target holds every row.');

      // The target's types are the source's, with synced_at added.
      const typesOf = (db: Parameters<Parameters<typeof source>[0]>[0]) =>
        db
          .query<{ t: string }>(
            `SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY attnum) AS t
             FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'synced_at'`,
            [`${SALES}.customers`],
          )
          .then((result) => result.rows[0]?.t);
      expect(await target(typesOf)).toBe(await source(typesOf));

      // The running connector and the connector file name every table; the publication has them.
      const config = await runningConfig();
      const file = JSON.parse(fs.readFileSync(CONNECTOR_FILE, 'utf8')) as { config: Config };
      for (const table of TABLES) {
        expect(config['table.include.list']?.split(',')).toContain(table);
        expect(file.config['table.include.list']?.split(',')).toContain(table);
      }
      expect(await published(config['publication.name'] ?? 'dbz_publication')).toEqual(
        expect.arrayContaining(TABLES),
      );
    },
    ADD_TIMEOUT_MS + 30_000,
  );

  it('applies the changes that follow, and verify finds every table identical', async () => {
    await source(async (db) => {
      await db.query(
        `INSERT INTO ${INVENTORY}.customers (first_name, last_name, email) VALUES ('Ada', 'Lovelace', 'ada@x.org')`,
      );
      await db.query(`UPDATE ${INVENTORY}.products SET weight = weight * 2 WHERE id < 105`);
      await db.query(`DELETE FROM ${INVENTORY}.orders WHERE id = 10004`);
      await db.query(
        `UPDATE ${SALES}.customers SET spent = spent + 1, open_at = '10:30:00+00' WHERE id % 7 = 0`,
      );
      await db.query(`DELETE FROM ${SALES}.customers WHERE id % 11 = 0`);
    });
    const run = await waitUntil(async () => {
      const verified = await verifyAll();
      return verified.code === 0 ? verified : undefined;
    });
    expect(run, `verify never passed; pipeline log ${LOG_FILE}`).toBeDefined();
    // The timetz offsets Debezium moved to UTC are a documented loss, reported apart: verify passes.
    // 2500 rows, 227 deleted; the 325 left of those updated to '10:30:00+00' are exact.
    expect(run!.stdout).toContain(
      `✓ ${SALES}.customers: source 2273 rows, target 2273 rows, identical but for documented Debezium losses\n` +
        '    1948 differing only by a documented Debezium loss (open_at timetz-offset; docs/data-fidelity.md)',
    );
    expect(run!.stdout).toContain(`✓ ${INVENTORY}.products: source 9 rows, target 9 rows, identical\n`);
    expect(run!.stdout).toContain(
      `Source and target are identical (${TABLES.length} tables; 1 but for documented Debezium losses).`,
    );

    // Without --table, verify compares what the connector captures, in every schema asked for.
    const byDefault = await runCli('verify', ['--schema', INVENTORY, SALES], { env: env() });
    expect(byDefault.code, shown(byDefault)).toBe(0);
    expect(byDefault.stdout).toContain(`Source and target are identical (${TABLES.length} tables; 1 but`);
  });

  it(
    'is idempotent: run again, it changes nothing and the target stays identical',
    async () => {
      const before = await runningConfig();
      const run = await runCli('add-table', [...TABLES, '--connector-file', CONNECTOR_FILE], {
        env: env(),
        timeoutMs: ADD_TIMEOUT_MS,
      });
      expect(run.code, shown(run)).toBe(0);
      expect(run.stdout).toContain(`✓ target table "${SALES}"."customers" exists`);
      expect(run.stdout).toContain('captures');
      expect(run.stdout).toContain('already');
      expect(run.stdout).toContain(`✓ ${CONNECTOR_FILE} already up to date`);
      expect(await runningConfig()).toEqual(before);
      const verified = await verifyAll();
      expect(verified.code, shown(verified)).toBe(0);
    },
    ADD_TIMEOUT_MS + 30_000,
  );
});

describe('remove-table', () => {
  it(
    'takes the tables out of the connector, its file and the publication, and deletes their topics once applied',
    async () => {
      // The topics go only once the pipeline has committed all of them: until then it says so, exit 1.
      const remove = () =>
        runCli(
          'remove-table',
          [...TABLES, '--connector-file', CONNECTOR_FILE, '--delete-topic', '--group', GROUP],
          {
            env: env(),
            timeoutMs: ADD_TIMEOUT_MS,
          },
        );
      let run = await remove();
      for (let tries = 0; run.code !== 0 && run.stderr.includes('left to apply') && tries < 20; tries += 1)
        run = await remove();
      expect(run.code, shown(run)).toBe(0);
      const config = await runningConfig();
      expect(config['table.include.list']).toBe(original['table.include.list']);
      const file = JSON.parse(fs.readFileSync(CONNECTOR_FILE, 'utf8')) as { config: Config };
      const shipped = JSON.parse(fs.readFileSync(CONNECTOR_CONFIG_FILE, 'utf8')) as { config: Config };
    expect(file.config).toEqual(shipped.config);
      expect(await published(config['publication.name'] ?? 'dbz_publication')).not.toEqual(
        expect.arrayContaining([TABLES[0]]),
      );
      const admin = kafkaClient('cdc-test-tables').admin();
      await admin.connect();
      const topics = await admin.listTopics().finally(() => admin.disconnect());
      expect(topics.filter((topic) => topic.includes(RUN))).toEqual([]);
      expect(run.stdout).toContain('target tables kept');
    },
    ADD_TIMEOUT_MS,
  );
});
