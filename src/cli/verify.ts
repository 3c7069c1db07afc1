/**
 * `npm run verify [-- --table users --sample 10]`: source against target, table by table. Exit code 0
 * only when every compared table is identical.
 */
import { Command, InvalidArgumentError } from 'commander';
import pg from 'pg';
import { resolveUrls } from '../../infra/stack/config.js';
import { listTables } from '../tools/target-tables.js';
import { identical, verifyTable, type TableVerdict } from '../tools/verify.js';

const positiveInt = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError('must be a whole number, 1 or more');
  return value;
};

async function connect(url: string, role: string, variable: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect().catch((error: Error) => {
    throw new Error(
      `cannot reach the ${role} database at ${url}: ${error.message}\n  fix: npm run stack:up, or set ${variable}`,
    );
  });
  return client;
}

function report(verdict: TableVerdict): string {
  const lines = [
    `${identical(verdict) ? '✓' : '✗'} ${verdict.table}: source ${verdict.sourceRows} rows, target ${verdict.targetRows} rows` +
      (identical(verdict) ? ', identical' : ''),
  ];
  for (const kind of ['missing', 'extra', 'different'] as const) {
    if (verdict.counts[kind] === 0) continue;
    const what = { missing: 'missing in target', extra: 'extra in target', different: 'differing' }[kind];
    const more = verdict.counts[kind] > verdict[kind].length ? ', …' : '';
    lines.push(`    ${verdict.counts[kind]} ${what}: keys ${verdict[kind].join(' ')}${more}`);
  }
  return lines.join('\n');
}

const program = new Command('verify')
  .description(
    'Compare source (SOURCE_DATABASE_URL) and target (TARGET_DATABASE_URL): counts and per-row hashes by primary key.',
  )
  .option('--table <name...>', 'tables to compare (default: every table of the source public schema)')
  .option('--sample <n>', 'keys listed per kind of difference', positiveInt, 10)
  .action(async ({ table, sample }: { table?: string[]; sample: number }) => {
    const urls = resolveUrls();
    const source = await connect(urls.SOURCE_DATABASE_URL, 'source', 'SOURCE_DATABASE_URL');
    const target = await connect(urls.TARGET_DATABASE_URL, 'target', 'TARGET_DATABASE_URL').catch(
      async (error: unknown) => {
        await source.end();
        throw error;
      },
    );
    try {
      // By default every table of the source's public schema: the target must have each of them.
      const tables = table ?? (await listTables(source));
      let allIdentical = true;
      for (const name of tables) {
        const verdict = await verifyTable(source, target, name, { sample });
        allIdentical &&= identical(verdict);
        console.log(report(verdict));
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

program.parseAsync().catch((error: unknown) => {
  console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
