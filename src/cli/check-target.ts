/**
 * `npm run check-target [-- --limit N]`: every table of the target database, readable, synced_at included.
 */
import { Command, InvalidArgumentError } from 'commander';
import pg from 'pg';
import { resolveUrls } from '../../infra/stack/config.js';
import { dumpTable, listTables } from '../tools/target-tables.js';
import { formatTable } from './table.js';

const positiveInt = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError('must be a whole number, 1 or more');
  return value;
};

const program = new Command('check-target')
  .description('Print every table of the target database (TARGET_DATABASE_URL), with synced_at.')
  .option('--limit <n>', 'rows shown per table', positiveInt, 50)
  .action(async ({ limit }: { limit: number }) => {
    const url = resolveUrls().TARGET_DATABASE_URL;
    const db = new pg.Client({ connectionString: url });
    await db.connect().catch((error: Error) => {
      throw new Error(
        `cannot reach the target database at ${url}: ${error.message}\n  fix: npm run stack:up, or set TARGET_DATABASE_URL`,
      );
    });
    try {
      console.log(`Target database: ${url.replace(/:[^:@/]+@/, ':***@')}\n`);
      for (const table of await listTables(db)) {
        const dump = await dumpTable(db, table, limit);
        const shown = dump.rows.length < dump.total ? ` (first ${dump.rows.length})` : '';
        console.log(`== ${dump.table}: ${dump.total} rows${shown}`);
        console.log(dump.total === 0 ? '(empty)\n' : `${formatTable(dump.columns, dump.rows)}\n`);
      }
    } finally {
      await db.end();
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
