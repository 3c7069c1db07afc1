/**
 * `cdc-pipeline add-table <schema.table…>` and `cdc-pipeline remove-table <schema.table…>`: tables
 * join or leave the running connector and pipeline (src/tools/tables). Both read SOURCE_DATABASE_URL,
 * TARGET_DATABASE_URL, KAFKA_BROKERS and CONNECT_URL, with the native stack's addresses as defaults.
 */
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { resolveConnections } from '../connection.js';
import { DEFAULT_CONNECTOR_NAME, DEFAULT_GROUP_ID } from '../defaults.js';
import { DEFAULT_SYNCED_AT_COLUMN } from '../sinks/statements.js';
import { addTables } from '../tools/tables/add-table.js';
import { removeTables } from '../tools/tables/remove-table.js';
import type { TableRef } from '../types.js';
import { connectDatabase } from './connect-db.js';

/** The project's connector file, from where the command runs (an installed package has none). */
const CONNECTOR_FILE = path.join('debezium-config', 'postgres-connector.json');
/** After the backfill, how long add-table waits for the pipeline to apply it, by default. */
const DEFAULT_WAIT_TARGET_S = 60;

/** `schema.table`, or `table` in public. */
export function tableArgument(name: string): TableRef {
  const dot = name.indexOf('.');
  const ref =
    dot < 0 ? { schema: 'public', table: name } : { schema: name.slice(0, dot), table: name.slice(dot + 1) };
  if (ref.schema === '' || ref.table === '')
    throw new InvalidArgumentError(`"${name}" is not a table name: write schema.table (or table, in public)`);
  return ref;
}

const wholeSeconds = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidArgumentError('must be a whole number of seconds, 0 or more');
  return value;
};

const progress = (line: string): void => console.log(line);

/** What add-table and remove-table share: the tables, the connector and its file. */
function tableCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .argument('<tables...>', 'schema.table (or table, in public)')
    .option('--connector <name>', 'the Debezium connector on CONNECT_URL', DEFAULT_CONNECTOR_NAME)
    .option(
      '--connector-file <file>',
      'the connector file kept in step (skipped when missing)',
      CONNECTOR_FILE,
    );
}

export function addTableCommand(): Command {
  return tableCommand(
    'add-table',
    'Add source tables to the running connector and pipeline: check them, create their target tables with the exact types, capture them, and backfill the rows they hold (an incremental snapshot).',
  )
    .option('--no-backfill', 'do not backfill the rows the tables already hold')
    .option(
      '--wait-target <seconds>',
      'after the backfill, wait this long for the target to hold every row (0: do not)',
      wholeSeconds,
      DEFAULT_WAIT_TARGET_S,
    )
    .action(
      async (
        names: string[],
        options: { connector: string; connectorFile: string; backfill: boolean; waitTarget: number },
      ) => {
        const urls = resolveConnections();
        const source = await connectDatabase(urls.SOURCE_DATABASE_URL, 'source', 'SOURCE_DATABASE_URL');
        try {
          const target = await connectDatabase(urls.TARGET_DATABASE_URL, 'target', 'TARGET_DATABASE_URL');
          try {
            await addTables(names.map(tableArgument), {
              source,
              target,
              connectUrl: urls.CONNECT_URL,
              brokers: urls.KAFKA_BROKERS,
              connector: options.connector,
              connectorFile: options.connectorFile,
              syncedAtColumn: DEFAULT_SYNCED_AT_COLUMN,
              backfill: options.backfill,
              waitTargetS: options.waitTarget,
              progress,
            });
          } finally {
            await target.end();
          }
        } finally {
          await source.end();
        }
      },
    );
}

export function removeTableCommand(): Command {
  return tableCommand(
    'remove-table',
    'Remove source tables from the running connector (and its file); with --delete-topic, delete their topics once the pipeline applied them. Target tables are kept.',
  )
    .option(
      '--delete-topic',
      "delete each table's topic, once the pipeline's group has committed all of it",
      false,
    )
    .option(
      '--group <id>',
      "the pipeline's consumer group (PIPELINE_GROUP_ID)",
      process.env.PIPELINE_GROUP_ID || DEFAULT_GROUP_ID,
    )
    .action(
      async (
        names: string[],
        options: { connector: string; connectorFile: string; deleteTopic: boolean; group: string },
      ) => {
        const urls = resolveConnections();
        const source = await connectDatabase(urls.SOURCE_DATABASE_URL, 'source', 'SOURCE_DATABASE_URL');
        try {
          await removeTables(names.map(tableArgument), {
            source,
            connectUrl: urls.CONNECT_URL,
            brokers: urls.KAFKA_BROKERS,
            connector: options.connector,
            connectorFile: options.connectorFile,
            deleteTopic: options.deleteTopic,
            groupId: options.group,
            progress,
          });
        } finally {
          await source.end();
        }
      },
    );
}
