/**
 * `cdc-pipeline verify [--table users inventory.orders] [--schema S…] [--connector N] [--sample 10]`:
 * source against target, table by table. By default every table the running connector captures
 * (every schema), or every table of the source when Connect does not answer. Exit code 0 when every
 * compared table is identical but for documented Debezium losses, 1 when one differs.
 */
import { Command } from 'commander';
import { resolveConnections } from '../connection.js';
import { DEFAULT_CONNECTOR_NAME } from '../defaults.js';
import { listTables } from '../sinks/catalog.js';
import type { TableRef } from '../types.js';
import { connectorConfig } from '../tools/connect-rest.js';
import { captures } from '../tools/tables/connector-tables.js';
import { verdictLines } from '../tools/verdict-report.js';
import { equivalent, verifyTable } from '../tools/verify.js';
import { connectDatabase } from './connect-db.js';
import { positiveInt } from './options.js';
import { tableArgument } from './tables.js';

/** The tables to compare when none is named: the connector's, or every table of the source. */
async function defaultTables(
  source: Parameters<typeof listTables>[0],
  schemas: readonly string[] | undefined,
  connector: string,
): Promise<TableRef[]> {
  const all = await listTables(source, schemas);
  const connectUrl = resolveConnections().CONNECT_URL;
  const config = await connectorConfig(connectUrl, connector).catch(() => undefined);
  if (config === undefined) {
    console.log(`(connector ${connector} not found on ${connectUrl}: comparing every table of the source)\n`);
    return all;
  }
  // Debezium captures its signal table without it being listed; its window marks reach the target too.
  const signal = config['signal.data.collection'];
  return all.filter((ref) => captures(config, ref) || `${ref.schema}.${ref.table}` === signal);
}

export function verifyCommand(): Command {
  return new Command('verify')
    .description(
      'Compare source (SOURCE_DATABASE_URL) and target (TARGET_DATABASE_URL): counts and per-row hashes by primary key; documented Debezium losses are reported apart.',
    )
    .option(
      '--table <names...>',
      'tables to compare, `schema.table` (or `table`, in public) (default: every table the connector captures)',
    )
    .option('--schema <names...>', 'only the tables of these schemas, when no --table is given')
    .option(
      '--connector <name>',
      'the connector whose tables are compared by default',
      DEFAULT_CONNECTOR_NAME,
    )
    .option('--sample <n>', 'keys listed per kind of difference', positiveInt, 10)
    .action(
      async ({
        table,
        schema,
        connector,
        sample,
      }: {
        table?: string[];
        schema?: string[];
        connector: string;
        sample: number;
      }) => {
        const urls = resolveConnections();
        const source = await connectDatabase(urls.SOURCE_DATABASE_URL, 'source', 'SOURCE_DATABASE_URL');
        const target = await connectDatabase(urls.TARGET_DATABASE_URL, 'target', 'TARGET_DATABASE_URL').catch(
          async (error: unknown) => {
            await source.end();
            throw error;
          },
        );
        try {
          const tables = table?.map(tableArgument) ?? (await defaultTables(source, schema, connector));
          let allEquivalent = true;
          let lossy = 0;
          for (const ref of tables) {
            const verdict = await verifyTable(source, target, ref.table, { schema: ref.schema, sample });
            allEquivalent &&= equivalent(verdict);
            if (verdict.losses.rows > 0) lossy += 1;
            console.log(verdictLines(verdict).join('\n'));
          }
          console.log(
            allEquivalent
              ? `\nSource and target are identical (${tables.length} tables${lossy > 0 ? `; ${lossy} but for documented Debezium losses` : ''}).`
              : '\nSource and target differ.',
          );
          process.exitCode = allEquivalent ? 0 : 1;
        } finally {
          await Promise.all([source.end(), target.end()]);
        }
      },
    );
}
