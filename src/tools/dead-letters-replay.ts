/**
 * Replays dead letters once their cause is fixed (`npm run dead-letters -- replay`, issue 15): each
 * stored record goes through the pipeline's own path, the same library functions in the same
 * order (decode → route → compact → sink flush), so a replayed record lands exactly as it would
 * have. A dead letter is deleted only once its change is committed in the target (or it turns out
 * to need nothing, like a tombstone); one that fails again stays, with the new stage, reason and
 * detail and one more attempt. A crash between the flush and the delete leaves the dead letter for
 * the next replay, which applies the same final row again: upserts and deletes by key are idempotent.
 */
import * as E from 'fp-ts/lib/Either.js';
import type pg from 'pg';
import type { Logger } from 'pino';
import { from, lastValueFrom, toArray } from 'rxjs';
import { recordDecoder, type DecodeOptions } from '../debezium/decode-record.js';
import { compactBatch } from '../operators/compact.js';
import { changeKey } from '../operators/lanes.js';
import { route, type RouteConfig } from '../operators/route.js';
import { tableKey } from '../sinks/catalog.js';
import { DEFAULT_DEAD_LETTER_TABLE } from '../sinks/dead-letters.js';
import type { UnknownColumnPolicy } from '../sinks/plan.js';
import { silentLogger } from '../sinks/pool.js';
import { createPostgresSink, type PostgresSink } from '../sinks/writer.js';
import type { ChangeEvent, Failure, KafkaOrigin, RawRecord, RoutedChange, TableRef } from '../types.js';
import {
  deleteDeadLetters,
  readRecords,
  recordAttempts,
  selectedIds,
  type DeadLetterFilter,
  type FailedAgain,
  type StoredRecord,
} from './dead-letters.js';

/** Dead letters replayed per flush: one transaction each, like a pipeline batch. */
export const DEFAULT_REPLAY_BATCH = 500;

export interface ReplayOptions {
  /** The target pool: the sink writes through it and the dead-letter table lives there. */
  readonly pool: pg.Pool;
  readonly filter: DeadLetterFilter;
  /** Routing as the pipeline has it (PIPELINE_TOPIC_PREFIX, PIPELINE_TABLE_MAP). */
  readonly route: RouteConfig;
  /** As the pipeline has it (PIPELINE_UNKNOWN_COLUMNS). */
  readonly unknownColumns: UnknownColumnPolicy;
  /** As the pipeline has it (PIPELINE_SOURCE_POSITION_COLUMN): a replayed dead letter never regresses a guarded row. */
  readonly sourcePositionColumn?: string;
  readonly decode?: DecodeOptions;
  readonly table?: TableRef;
  readonly batchSize?: number;
  /** The sink's log (warnings about ignored columns, isolated changes; never values). */
  readonly logger?: Logger;
  /** Told each dead letter's outcome as soon as it is known. */
  readonly onOutcome?: (outcome: ReplayOutcome) => void;
}

/** What became of one dead letter. */
export type ReplayOutcome =
  | { readonly kind: 'applied'; readonly id: string; readonly origin: KafkaOrigin }
  | { readonly kind: 'failed'; readonly id: string; readonly origin: KafkaOrigin; readonly failure: Failure }
  /** Stored by a version that kept only a re-rendered change, not the record: nothing exact to replay. */
  | {
      readonly kind: 'unreplayable';
      readonly id: string;
      readonly origin: KafkaOrigin;
      readonly why: string;
    };

export interface ReplaySummary {
  readonly applied: number;
  readonly failed: number;
  readonly unreplayable: number;
}

const originKey = ({ topic, partition, offset }: KafkaOrigin): string =>
  JSON.stringify([topic, partition, offset]);

/**
 * The bytes to decode: the raw columns; for a decode-stage row stored before they existed, its
 * text (the record as UTF-8, which is what the decoder reads anyway); otherwise nothing.
 */
function bytesOf(stored: StoredRecord): RawRecord | undefined {
  if (stored.rawKey !== null || stored.rawValue !== null)
    return { key: stored.rawKey, value: stored.rawValue };
  if (stored.stage !== 'decode') return undefined;
  return {
    key: stored.textKey === null ? null : Buffer.from(stored.textKey, 'utf8'),
    value: stored.textValue === null ? null : Buffer.from(stored.textValue, 'utf8'),
  };
}

/** Routes changes with the pipeline's own operator. */
async function routeAll(changes: readonly ChangeEvent[], config: RouteConfig) {
  return lastValueFrom(from(changes).pipe(route(config), toArray()), { defaultValue: [] });
}

/**
 * The failure that decides each routed change's fate after a flush of the compacted batch: its own
 * when it survived compaction; when a later change of its row superseded it, that one's (the
 * pipeline acknowledges superseded changes with their batch; here they stay until their row applies).
 */
function fatesOf(
  routed: readonly RoutedChange[],
  failed: readonly Failure[],
  survivors: readonly RoutedChange[],
): Map<RoutedChange, Failure | undefined> {
  const byOrigin = new Map(failed.map((failure) => [originKey(failure.origin), failure]));
  const byRow = new Map<string, Failure>();
  const byTable = new Map<string, Failure>();
  for (const survivor of survivors) {
    const failure = byOrigin.get(originKey(survivor.origin));
    if (failure === undefined) continue;
    byRow.set(changeKey(survivor), failure);
    if (survivor.op === 't') byTable.set(tableKey(survivor.target), failure);
  }
  const surviving = new Set(survivors);
  return new Map(
    routed.map((change) => [
      change,
      surviving.has(change)
        ? byOrigin.get(originKey(change.origin))
        : (byRow.get(changeKey(change)) ?? byTable.get(tableKey(change.target))),
    ]),
  );
}

async function replayBatch(
  ids: readonly string[],
  sink: PostgresSink,
  options: ReplayOptions & { readonly table: TableRef },
): Promise<ReplayOutcome[]> {
  const { pool, table } = options;
  const decoder = recordDecoder({ beforeImages: 'deletes', ...options.decode });
  const outcomes: ReplayOutcome[] = [];
  // Dead letters by origin: a record stored twice (at two stages) is replayed once, for both.
  const idsOf = new Map<string, string[]>();
  const changes: ChangeEvent[] = [];
  /** Each replayed record's fate, once known: undefined for applied (or nothing to apply). */
  const pending: { readonly origin: KafkaOrigin; readonly failure?: Failure | undefined }[] = [];
  const settle = (origin: KafkaOrigin, failure?: Failure): void => {
    for (const id of idsOf.get(originKey(origin)) ?? []) {
      outcomes.push(
        failure === undefined ? { kind: 'applied', id, origin } : { kind: 'failed', id, origin, failure },
      );
    }
  };

  for (const stored of await readRecords(pool, table, ids)) {
    const origin = { topic: stored.topic, partition: stored.partition, offset: stored.offset };
    const bytes = bytesOf(stored);
    if (bytes === undefined) {
      const why =
        'stored without its raw record (by an older version): read it again from Kafka, or discard it';
      outcomes.push({ kind: 'unreplayable', id: stored.id, origin, why });
      continue;
    }
    const known = idsOf.get(originKey(origin));
    if (known !== undefined) {
      known.push(stored.id);
      continue;
    }
    idsOf.set(originKey(origin), [stored.id]);
    // The decoder reads no timestamp; the dead letter does not keep one.
    const decoded = decoder({ ...origin, ...bytes, timestamp: '0' });
    if (E.isLeft(decoded)) pending.push({ origin, failure: decoded.left });
    else if (decoded.right.kind === 'skipped') pending.push({ origin });
    else changes.push(decoded.right);
  }

  const routed: RoutedChange[] = [];
  for (const result of await routeAll(changes, options.route)) {
    if (E.isRight(result)) routed.push(result.right);
    else pending.push({ origin: result.left.origin, failure: result.left });
  }

  if (routed.length > 0) {
    const survivors = compactBatch(routed);
    const { failed } = await sink.flush(survivors);
    for (const [change, failure] of fatesOf(routed, failed, survivors)) {
      const { origin, record } = change;
      // A superseded change keeps its own origin and record, with its row's reason.
      pending.push({ origin, failure: failure === undefined ? undefined : { ...failure, origin, record } });
    }
  }
  for (const { origin, failure } of pending) settle(origin, failure);

  await deleteDeadLetters(
    pool,
    table,
    outcomes.filter((outcome) => outcome.kind === 'applied').map((outcome) => outcome.id),
  );
  await recordAttempts(
    pool,
    table,
    outcomes.flatMap((outcome): FailedAgain[] =>
      outcome.kind === 'failed' ? [{ id: outcome.id, failure: outcome.failure }] : [],
    ),
  );
  return outcomes;
}

/** Replays the dead letters the filter selects, in Kafka order, batch by batch. */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplaySummary> {
  const {
    pool,
    filter,
    unknownColumns,
    sourcePositionColumn,
    table = DEFAULT_DEAD_LETTER_TABLE,
    batchSize = DEFAULT_REPLAY_BATCH,
    logger = silentLogger,
    onOutcome,
  } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`replayDeadLetters: batchSize must be a whole number, 1 or more; got ${batchSize}`);
  const sink = createPostgresSink({ pool, logger, unknownColumns, sourcePositionColumn });
  const ids = await selectedIds(pool, table, filter);
  const summary = { applied: 0, failed: 0, unreplayable: 0 };
  for (let start = 0; start < ids.length; start += batchSize) {
    for (const outcome of await replayBatch(ids.slice(start, start + batchSize), sink, {
      ...options,
      table,
    })) {
      summary[outcome.kind] += 1;
      onOutcome?.(outcome);
    }
  }
  return summary;
}
