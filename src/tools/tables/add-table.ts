/**
 * `add-table`: a source table joins the running pipeline, with no hand-written SQL (issue 12).
 * Checked first (all of them, before anything changes): the table exists, has a primary key, and a
 * replica identity that publishes updates. Then the target's copy is made with the exact types,
 * the table is added to the running connector (and its file), and the rows it already holds are
 * backfilled by an incremental snapshot, followed until it completes. Every step is idempotent:
 * running it again converges to the same state (the backfill upserts the same rows again).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { quoteTable } from '../../sinks/catalog.js';
import type { TableRef } from '../../types.js';
import { updateConnectorFile } from './connector-file.js';
import { putConfig, runningConfig, settlePublication } from './connector-rest.js';
import {
  qualifiedName,
  sameConfig,
  withSignalling,
  withTable,
  type ConnectorConfig,
} from './connector-tables.js';
import { followSnapshot, signalSnapshot } from './snapshot.js';
import { problemsOf, readSourceTable, replicaIdentityNote, type SourceTable } from './source-table.js';
import { ensureTargetTable } from './target-table.js';

export interface AddTableOptions {
  readonly source: pg.ClientBase;
  readonly target: pg.ClientBase;
  readonly connectUrl: string;
  readonly brokers: string;
  readonly connector: string;
  /** The connector's file to keep in step; skipped when it does not exist. */
  readonly connectorFile: string;
  readonly syncedAtColumn: string;
  /** Backfill the rows the tables hold now (an incremental snapshot). */
  readonly backfill: boolean;
  /** After the backfill, how long to wait for the target to hold as many rows as the source (0: not at all). */
  readonly waitTargetS: number;
  readonly progress: (line: string) => void;
}

/** The signal table's columns, as Debezium requires them (id, type, data, in this order). */
const signalTableSql = (ref: TableRef): string =>
  `CREATE TABLE IF NOT EXISTS ${quoteTable(ref)} (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`;

async function readAll(source: pg.ClientBase, refs: readonly TableRef[]): Promise<SourceTable[]> {
  const tables: SourceTable[] = [];
  const problems: string[] = [];
  for (const ref of refs) {
    const table = await readSourceTable(source, ref);
    if (table === undefined) {
      problems.push(
        `${quoteTable(ref)} does not exist in the source\n  fix: create it there, or check the name (schema.table)`,
      );
      continue;
    }
    problems.push(...problemsOf(table));
    tables.push(table);
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return tables;
}

const rowCount = async (db: pg.ClientBase, ref: TableRef): Promise<number> =>
  Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteTable(ref)}`)).rows[0]?.n ?? 0);

/** Waits until every table's target holds at least as many rows as its source, showing where each stands. */
async function waitForTarget(options: AddTableOptions, refs: readonly TableRef[]): Promise<void> {
  const { source, target, waitTargetS, progress } = options;
  const deadline = Date.now() + waitTargetS * 1000;
  let shown = '';
  for (;;) {
    const counts = await Promise.all(
      refs.map(async (ref) => ({
        ref,
        source: await rowCount(source, ref),
        target: await rowCount(target, ref),
      })),
    );
    const line = counts.map((c) => `${qualifiedName(c.ref)} ${c.target}/${c.source}`).join(', ');
    if (line !== shown) progress(`  target rows: ${line}`);
    shown = line;
    if (counts.every((c) => c.target >= c.source)) return progress('✓ The target holds every row.');
    if (Date.now() > deadline)
      return progress(
        `  the target does not hold every row yet: the pipeline applies them while it runs (npm run pipeline);\n` +
          `  check with: npm run verify -- --table ${refs.map(qualifiedName).join(' ')}`,
      );
    await sleep(1000);
  }
}

export async function addTables(refs: readonly TableRef[], options: AddTableOptions): Promise<void> {
  const { source, target, connectUrl, connector, progress } = options;
  const running = await runningConfig(connectUrl, connector);
  const tables = await readAll(source, refs);
  for (const table of tables) {
    const note = replicaIdentityNote(table);
    if (note !== undefined) progress(`  note: ${note}`);
  }

  const signalling = withSignalling(running);
  await source.query(signalTableSql(signalling.signalTable));
  const mirrored = [...tables];
  if (!refs.some((ref) => qualifiedName(ref) === qualifiedName(signalling.signalTable))) {
    // Debezium's window marks land on the signal table's topic: the target mirrors it, so they apply.
    const signal = await readSourceTable(source, signalling.signalTable);
    if (signal !== undefined) mirrored.push(signal);
  }
  for (const table of mirrored) {
    const outcome = await ensureTargetTable(target, table, options.syncedAtColumn);
    const name = quoteTable(table.ref);
    if (outcome.kind === 'created') progress(`✓ target table ${name} created`);
    else if (outcome.missingColumns.length === 0) progress(`✓ target table ${name} exists`);
    else
      progress(
        `! target table ${name} exists without ${outcome.missingColumns.join(', ')}: their values are not applied ` +
          '(add them to it, or run the pipeline with PIPELINE_SCHEMA_EVOLUTION=create-and-add-columns)',
      );
  }

  const change = (config: ConnectorConfig): ConnectorConfig =>
    refs.reduce((next, ref) => withTable(next, ref), withSignalling(config).config);
  const wanted = change(running);
  if (sameConfig(wanted, running))
    progress(`✓ connector ${connector} captures ${refs.map(qualifiedName).join(', ')} already`);
  else {
    await putConfig(connectUrl, connector, wanted);
    progress(`✓ connector ${connector} captures ${refs.map(qualifiedName).join(', ')} (running again)`);
  }
  await settlePublication(source, wanted, refs, true);
  const filed = updateConnectorFile(options.connectorFile, change);
  if (filed !== undefined) progress(`✓ ${options.connectorFile} ${filed ? 'updated' : 'already up to date'}`);

  if (!options.backfill) return;
  progress(
    `Backfilling the rows the tables hold (incremental snapshot through ${qualifiedName(signalling.signalTable)})…`,
  );
  const id = await signalSnapshot(source, signalling.signalTable, refs);
  const failed = await followSnapshot(options.brokers, signalling.notificationTopic, id, progress);
  if (failed.length > 0)
    throw new Error(`the snapshot did not read ${failed.join(', ')}\n  fix: see the Connect log`);
  progress('✓ Backfill read every row into Kafka.');
  if (options.waitTargetS > 0) await waitForTarget(options, refs);
}
