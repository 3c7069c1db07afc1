/**
 * `cdc-pipeline check-target [--limit N] [--schema S…]`: every table of the target database, newest
 * applied rows first, synced_at included.
 */
import { Command } from 'commander';
import { resolveConnections, withoutPassword } from '../connection.js';
import { listTables } from '../sinks/catalog.js';
import { dumpTable, type TableDump } from '../tools/target-tables.js';
import { connectDatabase } from './connect-db.js';
import { positiveInt } from './options.js';
import { formatTable } from './table.js';

const DEFAULT_ROWS_SHOWN = 50;

/** `== public.users: 120 rows (newest 50 by synced_at; 70 more: --limit 120 shows all)` */
function dumpTitle(dump: TableDump): string {
  const left = dump.total - dump.rows.length;
  if (left <= 0) return `== ${dump.table}: ${dump.total} rows`;
  const which = dump.order === 'newest synced_at' ? 'newest' : 'first';
  const by = dump.order === 'newest synced_at' ? 'synced_at' : 'primary key';
  return `== ${dump.table}: ${dump.total} rows (${which} ${dump.rows.length} by ${by}; ${left} more: --limit ${dump.total} shows all)`;
}

export function checkTargetCommand(): Command {
  return new Command('check-target')
    .description(
      'Print every table of the target database (TARGET_DATABASE_URL), newest rows (by synced_at) first.',
    )
    .option('--limit <n>', 'rows shown per table', positiveInt, DEFAULT_ROWS_SHOWN)
    .option('--schema <names...>', 'only these schemas (default: every schema)')
    .action(async ({ limit, schema }: { limit: number; schema?: string[] }) => {
      const url = resolveConnections().TARGET_DATABASE_URL;
      const db = await connectDatabase(url, 'target', 'TARGET_DATABASE_URL');
      try {
        console.log(`Target database: ${withoutPassword(url)}\n`);
        const tables = await listTables(db, schema);
        if (tables.length === 0) console.log(`no tables${schema ? ` in ${schema.join(', ')}` : ''}`);
        for (const table of tables) {
          const dump = await dumpTable(db, table, limit);
          console.log(dumpTitle(dump));
          console.log(dump.total === 0 ? '(empty)\n' : `${formatTable(dump.columns, dump.rows)}\n`);
        }
      } finally {
        await db.end();
      }
    });
}
