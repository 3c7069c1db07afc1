/**
 * One step of the story, shown as it happens: the SQL on the source, the change event as it lands
 * on Kafka, the row in the target afterwards, and how long each hop took after the source commit.
 */
import type pg from 'pg';
import { formatTable } from '../../src/cli/table.js';
import type { EventWatcher, WatchedRecord } from './event-watcher.js';
import { clock, duration, field, header, oneLineJson, subFields, type Say } from './format.js';
import { rowJson, rowText, waitForTarget } from './rows.js';
import type { Step, StoryIds } from './story.js';

const OPS: Readonly<Record<string, string>> = { c: 'create', u: 'update', d: 'delete', r: 'read (snapshot)' };

export interface StepContext {
  readonly source: pg.ClientBase;
  readonly target: pg.ClientBase;
  readonly watcher: EventWatcher;
  readonly topicPrefix: string;
  readonly timeoutMs: number;
  /** Where to look when a change does not arrive. */
  readonly logs: { readonly pipeline: string; readonly connect: string };
  readonly ids: StoryIds;
  /** The last synced_at seen per row (`table/id`), shown when the row is gone. */
  readonly syncedAt: Map<string, string>;
  /** Tables whose value encodings were already explained (once per table is enough). */
  readonly explained: Set<string>;
  readonly say: Say;
  readonly signal?: AbortSignal;
}

export interface StepResult {
  readonly title: string;
  readonly table: string;
  readonly id: number;
  readonly op: string;
  readonly event?: WatchedRecord;
  /** Source commit → record on Kafka. */
  readonly toKafkaMs?: number;
  /** Source commit → row (or its absence) seen in the target. */
  readonly toTargetMs?: number;
  /** Why the step failed, with where to look; undefined when it arrived. */
  readonly problem?: string;
}

/** The source commit time in ms (with the microseconds Debezium gives when it gives them). */
const commitMs = (event: WatchedRecord): number => {
  const source = event.value!.source;
  return source.ts_us === undefined ? source.ts_ms : source.ts_us / 1000;
};

export async function runStep(
  context: StepContext,
  step: Step,
  index: number,
  total: number,
): Promise<StepResult> {
  const { source, target, watcher, say, ids, timeoutMs, signal } = context;
  header(say, `Step ${index}/${total}: ${step.title} (op ${step.op})`);
  const topic = `${context.topicPrefix}.public.${step.table}`;
  const from = await watcher.endOffsets(topic);
  watcher.forget(topic, from);

  const sql = step.sql(ids, source);
  const result = await source.query<{ id: number }>(sql);
  if (step.returns) ids[step.returns] = result.rows[0]!.id;
  const id = step.id(ids);
  field(say, 'source SQL', `${sql}${step.returns ? `\n→ ${step.table}.id ${id}` : ''}`);

  const expected = step.op === 'd' ? undefined : await rowJson(source, step.table, id);
  const [event, seenAt] = await Promise.all([
    watcher.waitFor(topic, from, { id }, timeoutMs, signal),
    waitForTarget(target, step.table, id, expected, timeoutMs, signal),
  ]);
  const base = { title: step.title, table: step.table, id, op: step.op };
  const seconds = timeoutMs / 1000;

  if (!event) {
    field(say, 'Kafka event', `✗ none for ${step.table} id ${id} on ${topic} within ${seconds} s`);
    return {
      ...base,
      problem:
        `no change event for ${step.table} id ${id} on ${topic} within ${seconds} s\n` +
        `  look at: npm run connector:status (connector and task RUNNING?), the Connect log ${context.logs.connect}`,
    };
  }
  const payload = event.value!;
  const committed = commitMs(event);
  const encodings = Object.entries(event.encodings);
  const explain = encodings.length > 0 && !context.explained.has(step.table);
  if (explain) context.explained.add(step.table);
  field(
    say,
    'Kafka event',
    `${event.topic}  partition ${event.partition}  offset ${event.offset}  at ${clock(event.timestamp)}\n` +
      subFields([
        ['op', `${payload.op} (${OPS[payload.op] ?? 'unknown'})`],
        ['key', oneLineJson(event.key)],
        ['before', oneLineJson(payload.before)],
        ['after', oneLineJson(payload.after)],
        [
          'source',
          `lsn ${payload.source.lsn ?? '?'}  txId ${payload.source.txId ?? '?'}  committed ${clock(committed)}`,
        ],
        ...(explain
          ? [['encoded', encodings.map(([column, how]) => `${column}: ${how}`).join('; ')] as const]
          : []),
      ]),
  );
  const toKafkaMs = event.timestamp - committed;

  const key = `${step.table}/${id}`;
  if (seenAt === undefined) {
    field(say, 'target row', `✗ not ${step.op === 'd' ? 'deleted' : 'there'} within ${seconds} s`);
    return {
      ...base,
      event,
      toKafkaMs,
      problem:
        `the change reached Kafka but not the target within ${seconds} s\n` +
        `  look at: the pipeline log ${context.logs.pipeline}, npm run check-target`,
    };
  }
  if (step.op === 'd') {
    const last = context.syncedAt.get(key);
    field(say, 'target row', `gone${last ? ` (its last synced_at was ${last})` : ''}`);
  } else {
    const row = await rowText(target, step.table, id);
    if (row) {
      const synced = row.values[row.columns.indexOf('synced_at')];
      if (synced !== undefined) context.syncedAt.set(key, synced);
      field(say, 'target row', formatTable(row.columns, [row.values]));
    }
  }
  const toTargetMs = seenAt - committed;
  field(
    say,
    'arrived',
    `on Kafka ${duration(toKafkaMs)} after the source commit, in the target ${duration(toTargetMs)} after it`,
  );
  return { ...base, event, toKafkaMs, toTargetMs };
}
