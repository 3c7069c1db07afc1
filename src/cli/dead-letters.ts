/**
 * `npm run dead-letters -- list|replay|discard [filters]`: the records the pipeline could not apply,
 * in the target's dead-letter table (TARGET_DATABASE_URL). `replay` sends them through the
 * pipeline's own decode → route → compact → flush path once their cause is fixed, and deletes each
 * only once it applied. Exit codes: 0 done, 1 some dead letters are still there after a replay (or
 * the target could not be reached), 2 a usage or configuration error.
 */
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError, Option, type CommanderError } from 'commander';
import pg from 'pg';
import { loadConfig } from '../config.js';
import { resolveConnections, withoutPassword } from '../connection.js';
import { securityFromEnv } from '../security/from-env.js';
import { databaseSecurity } from '../security/postgres.js';
import { quoteTable } from '../sinks/catalog.js';
import { DEFAULT_DEAD_LETTER_TABLE, ensureDeadLetterTable } from '../sinks/dead-letters.js';
import type { UnknownColumnPolicy } from '../sinks/plan.js';
import { createTargetPool } from '../sinks/pool.js';
import { replayDeadLetters, type ReplayOutcome } from '../tools/dead-letters-replay.js';
import {
  discardDeadLetters,
  FAILURE_STAGES,
  isNarrowed,
  listDeadLetters,
  type DeadLetterFilter,
  type DeadLetterSummary,
} from '../tools/dead-letters.js';
import type { FailureStage, KafkaOrigin } from '../types.js';
import { positiveInt } from './options.js';
import { runProgram } from './program.js';
import { formatTable } from './table.js';

export const USAGE_EXIT = 2;
export const STILL_FAILING_EXIT = 1;
/** Dead letters `list` shows unless told otherwise. */
export const DEFAULT_LIST_LIMIT = 50;

const TABLE = DEFAULT_DEAD_LETTER_TABLE;

interface FilterOptions {
  topic?: string;
  table?: string;
  stage?: FailureStage;
  reason?: string;
  id?: string[];
  fromId?: string;
  toId?: string;
}

const deadLetterId = (raw: string): string => {
  if (!/^[1-9]\d{0,18}$/.test(raw))
    throw new InvalidArgumentError('must be a dead-letter id (the id column of list)');
  return raw;
};
const deadLetterIds = (raw: string, earlier: string[] = []): string[] => [...earlier, deadLetterId(raw)];

/** The filter options every subcommand takes; a usage error exits 2, as a bad variable does. */
function withFilters(command: Command): Command {
  return command
    .option('--topic <topic>', 'only records of this Kafka topic')
    .option(
      '--table <[schema.]table>',
      'only records of topics that name this table (<prefix>.<schema>.<table>)',
    )
    .addOption(
      new Option('--stage <stage>', 'only records that failed at this stage').choices(FAILURE_STAGES),
    )
    .option('--reason <text>', 'only records whose reason contains this text (case-insensitive), e.g. 23502')
    .option('--id <n>', 'only this dead letter (repeat for more)', deadLetterIds)
    .option('--from-id <n>', 'only dead letters with this id or a higher one', deadLetterId)
    .option('--to-id <n>', 'only dead letters with this id or a lower one', deadLetterId)
    .exitOverride(exitOnUsageError);
}

function exitOnUsageError(error: CommanderError): never {
  // Commander has printed the problem (or the help, exit code 0) already.
  process.exit(error.exitCode === 0 ? 0 : USAGE_EXIT);
}

function filterOf({ topic, table, stage, reason, id, fromId, toId }: FilterOptions): DeadLetterFilter {
  return { topic, table, stage, reason, ids: id, fromId, toId };
}

/** The target pool, once it answered; undefined when there is no dead-letter table at all. */
async function openTarget(): Promise<{ pool: pg.Pool; url: string } | undefined> {
  const url = resolveConnections().TARGET_DATABASE_URL;
  const pool = createTargetPool(url, {
    max: 2,
    security: databaseSecurity(securityFromEnv(), 'target'),
  });
  try {
    const { rows } = await pool.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [
      quoteTable(TABLE),
    ]);
    if (rows[0]?.found !== true) {
      console.log(
        `No dead letters: the target has no table ${quoteTable(TABLE)} yet (${withoutPassword(url)}).`,
      );
      await pool.end();
      return undefined;
    }
    // A table made by an older version gets the columns this one reads.
    await ensureDeadLetterTable(pool, TABLE);
    return { pool, url };
  } catch (error) {
    await pool.end();
    throw new Error(
      `cannot use the target database at ${withoutPassword(url)}: ${error instanceof Error ? error.message : String(error)}\n` +
        '  fix: start it (npm run stack:up in the project), or set TARGET_DATABASE_URL',
    );
  }
}

const originText = ({ topic, partition, offset }: KafkaOrigin): string => `${topic}[${partition}]@${offset}`;
const timeText = (at: Date): string => `${at.toISOString().slice(0, 19).replace('T', ' ')}Z`;

function listing(rows: readonly DeadLetterSummary[], total: number, showValues: boolean): string {
  if (total === 0) return 'No dead letters match.';
  const table = formatTable(
    ['id', 'origin', 'stage', 'attempts', 'failed_at', 'reason'],
    rows.map((row) => [
      row.id,
      originText(row),
      row.stage,
      String(row.attempts),
      timeText(row.failedAt),
      row.reason,
    ]),
  );
  const values = showValues
    ? rows.map((row) =>
        [
          `\n#${row.id}`,
          `  key:    ${row.key ?? '(none)'}`,
          `  value:  ${row.value ?? '(none)'}`,
          ...(row.detail ? [`  detail: ${row.detail.replaceAll('\n', '\n          ')}`] : []),
        ].join('\n'),
      )
    : [];
  const more =
    total > rows.length
      ? `\n${rows.length} of ${total} shown (oldest first); --limit ${total} shows all.`
      : `\n${total} dead letter${total === 1 ? '' : 's'}.`;
  const hint = showValues ? '' : ' Row values: --show-values.';
  return [table, ...values, more + hint].join('\n');
}

function outcomeLine(outcome: ReplayOutcome): string {
  const where = `#${outcome.id} ${originText(outcome.origin)}`;
  switch (outcome.kind) {
    case 'applied':
      return `✓ ${where} applied; dead letter deleted`;
    case 'failed':
      return `✗ ${where} still fails (${outcome.failure.stage}): ${outcome.failure.reason}`;
    case 'unreplayable':
      return `? ${where} not replayable: ${outcome.why}`;
  }
}

function listCommand(): Command {
  return withFilters(new Command('list'))
    .description(
      'Show the dead letters (id, origin, stage, reason), oldest first; no row values unless asked.',
    )
    .option('--limit <n>', 'dead letters shown at most', positiveInt, DEFAULT_LIST_LIMIT)
    .option('--show-values', 'also print each record key, value and the database detail (row values!)', false)
    .action(async (options: FilterOptions & { limit: number; showValues: boolean }) => {
      const target = await openTarget();
      if (target === undefined) return;
      try {
        const { rows, total } = await listDeadLetters(target.pool, TABLE, filterOf(options), {
          limit: options.limit,
          withValues: options.showValues,
        });
        console.log(listing(rows, total, options.showValues));
      } finally {
        await target.pool.end();
      }
    });
}

function replayCommand(): Command {
  return withFilters(new Command('replay'))
    .description(
      'Apply the dead letters again, through the pipeline’s own decode, route and apply path (PIPELINE_TOPIC_PREFIX, ' +
        'PIPELINE_TABLE_MAP, PIPELINE_UNKNOWN_COLUMNS as the pipeline reads them). Applied ones are deleted; ' +
        'the others stay with their new reason and one more attempt.',
    )
    .action(async (options: FilterOptions) => {
      const config = loadConfig();
      const target = await openTarget();
      if (target === undefined) return;
      try {
        const summary = await replayDeadLetters({
          pool: target.pool,
          table: TABLE,
          filter: filterOf(options),
          route: { topicPrefix: config.PIPELINE_TOPIC_PREFIX, tables: config.PIPELINE_TABLE_MAP },
          unknownColumns: config.PIPELINE_UNKNOWN_COLUMNS as UnknownColumnPolicy,
          sourcePositionColumn: config.PIPELINE_SOURCE_POSITION_COLUMN,
          onOutcome: (outcome) => console.log(outcomeLine(outcome)),
        });
        const left = summary.failed + summary.unreplayable;
        const total = summary.applied + left;
        console.log(
          total === 0
            ? 'No dead letters match.'
            : `\nReplayed ${total}: ${summary.applied} applied and deleted, ${summary.failed} failed again` +
                (summary.unreplayable > 0 ? `, ${summary.unreplayable} not replayable` : '') +
                (left > 0 ? ' (still in the table: npm run dead-letters -- list).' : '.'),
        );
        process.exitCode = left > 0 ? STILL_FAILING_EXIT : 0;
      } finally {
        await target.pool.end();
      }
    });
}

function discardCommand(): Command {
  return withFilters(new Command('discard'))
    .description('Delete the selected dead letters for good. Needs a filter, or --yes to delete them all.')
    .option('--yes', 'delete every dead letter the filters select, even with no filter at all', false)
    .action(async (options: FilterOptions & { yes: boolean }) => {
      const filter = filterOf(options);
      if (!isNarrowed(filter) && !options.yes) {
        console.error(
          '✗ discard without a filter would delete every dead letter.\n' +
            '  fix: narrow it (--topic, --table, --stage, --reason, --id, --from-id, --to-id; list shows the same ' +
            'selection), or add --yes to delete them all',
        );
        process.exitCode = USAGE_EXIT;
        return;
      }
      const target = await openTarget();
      if (target === undefined) return;
      try {
        const deleted = await discardDeadLetters(target.pool, TABLE, filter);
        console.log(`Discarded ${deleted} dead letter${deleted === 1 ? '' : 's'}.`);
      } finally {
        await target.pool.end();
      }
    });
}

/** The `dead-letters` command with its three subcommands, to run alone or mount in a program. */
export function deadLettersCommand(): Command {
  return new Command('dead-letters')
    .description(
      `Inspect, replay or discard the records the pipeline dead-lettered (table ${quoteTable(TABLE)} in TARGET_DATABASE_URL).`,
    )
    .exitOverride(exitOnUsageError)
    .addCommand(listCommand())
    .addCommand(replayCommand())
    .addCommand(discardCommand());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runProgram(deadLettersCommand());
}
