/**
 * `cdc-pipeline verify [--table users orders] [--schema public] [--sample 10]`: source against
 * target, table by table. Exit code 0 only when every compared table is identical, 1 when one
 * differs.
 */
import { Command } from 'commander';
import { resolveConnections } from '../connection.js';
import { listTables } from '../sinks/catalog.js';
import { verdictLines } from '../tools/verdict-report.js';
import { identical, verifyTable } from '../tools/verify.js';
import { connectDatabase } from './connect-db.js';
import { positiveInt } from './options.js';

/** `users` or `sales.users`, in the given default schema when it has none. */
const tableRef = (name: string, schema: string): { schema: string; table: string } => {
  const dot = name.indexOf('.');
  return dot < 0 ? { schema, table: name } : { schema: name.slice(0, dot), table: name.slice(dot + 1) };
};

export function verifyCommand(): Command {
  return new Command('verify')
    .description(
      'Compare source (SOURCE_DATABASE_URL) and target (TARGET_DATABASE_URL): counts and per-row hashes by primary key.',
    )
    .option(
      '--table <names...>',
      'tables to compare, `table` or `schema.table` (default: every table of --schema in the source)',
    )
    .option('--schema <name>', 'schema of the tables', 'public')
    .option('--sample <n>', 'keys listed per kind of difference', positiveInt, 10)
    .action(async ({ table, schema, sample }: { table?: string[]; schema: string; sample: number }) => {
      const urls = resolveConnections();
      const source = await connectDatabase(urls.SOURCE_DATABASE_URL, 'source', 'SOURCE_DATABASE_URL');
      const target = await connectDatabase(urls.TARGET_DATABASE_URL, 'target', 'TARGET_DATABASE_URL').catch(
        async (error: unknown) => {
          await source.end();
          throw error;
        },
      );
      try {
        const tables = table?.map((name) => tableRef(name, schema)) ?? (await listTables(source, [schema]));
        let allIdentical = true;
        for (const ref of tables) {
          const verdict = await verifyTable(source, target, ref.table, { schema: ref.schema, sample });
          allIdentical &&= identical(verdict);
          console.log(verdictLines(verdict).join('\n'));
        }
        console.log(
          allIdentical
            ? `\nSource and target are identical (${tables.length} tables).`
            : '\nSource and target differ.',
        );
        process.exitCode = allIdentical ? 0 : 1;
      } finally {
        await Promise.all([source.end(), target.end()]);
      }
    });
}
