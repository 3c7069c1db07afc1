/**
 * The PostgreSQL sink: applies a compacted batch of routed changes to the target in one
 * transaction, and isolates the records that cannot be applied instead of failing the batch.
 *
 * - Transient errors (connection loss, serialization failure, deadlock, shutdown) are thrown:
 *   the caller retries the whole flush (idempotent: upserts of final values, deletes by key).
 * - Record-level errors (bad values, constraint violations, schema mismatches) roll the
 *   transaction back and the batch is bisected, each half in its own transaction, until every
 *   guilty record is alone; each becomes a Failure and everything else is applied.
 * - Records of a table the target does not have (or that has no primary key) become Failures
 *   without any SQL on that table.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { DEFAULT_DELETED_KEYS_RETENTION_H } from '../defaults.js';
import { changeFailure } from '../errors.js';
import type { FlushGuard } from '../positions/guard.js';
import type { Failure, KafkaOrigin, RoutedChange, TableRef } from '../types.js';
import { applyItems } from './apply.js';
import { createCatalog, tableKey, type TableLookup } from './catalog.js';
import { deletedKeys, type DeletedKeys } from './deleted-keys.js';
import { applyFailureText } from './failure-reason.js';
import { planChanges, positionColumnOf, type Plan, type UnknownColumnPolicy, type WorkItem } from './plan.js';
import { silentLogger, withTransaction, type Queryable } from './pool.js';
import type { SchemaEvolution } from './schema-evolution.js';
import { isRecordLevel, isStaleCatalog, sqlState } from './sqlstate.js';
import { DEFAULT_SYNCED_AT_COLUMN } from './statements.js';

/** How the sink writes. */
export interface PostgresSinkConfig {
  /** The target pool (`createTargetPool`); the sink borrows one client per transaction. */
  readonly pool: pg.Pool;
  /** Where the sink reports (tables, counts, timings, SQLSTATEs; never row values). Silent by default. */
  readonly logger?: Logger;
  /** The column set to now() on every written row, where the target table has it. */
  readonly syncedAtColumn?: string;
  /**
   * An event column the target table does not have (after one catalog refresh): 'ignore' drops it
   * with a warning once per table and column; 'dead-letter' makes the record a Failure.
   */
  readonly unknownColumns?: UnknownColumnPolicy;
  /** A missing target table (or column) is created from the events' schemas (schema-evolution.ts). None by default. */
  readonly schemaEvolution?: SchemaEvolution;
  /**
   * The stale-write guard's column (PIPELINE_SOURCE_POSITION_COLUMN): a target table that has it
   * takes only changes newer than its rows and its deleted keys (source-position.ts). Off by default.
   */
  readonly sourcePositionColumn?: string;
  /** How long a guarded delete's tombstone is kept (PIPELINE_DELETED_KEYS_RETENTION_H). */
  readonly deletedKeysRetentionHours?: number;
}

/** What one flush did: every input change is in exactly one of the two. */
export interface FlushResult {
  /** Origins of the changes applied (committed in the target), in input order. */
  readonly applied: readonly KafkaOrigin[];
  /** Changes that cannot be applied, with the reason: for the dead-letter destination. */
  readonly failed: readonly Failure[];
  /** Whether `failed` is already stored as dead letters (by the guard, with the positions). */
  readonly deadLettered: boolean;
}

export interface PostgresSink {
  /**
   * Applies a compacted batch: one final change per row, in order, a truncate where it happened.
   * Resolves when the applied changes are committed.
   *
   * With a `guard`, every transaction the flush commits also records the positions of what it
   * accounts for and writes the dead letters found so far (src/positions/guard.ts).
   *
   * @throws the transient error (retriable per `isRetriable`) or any error that is not about
   *   records (a privilege, a closed pool, FencedError); nothing of the failing transaction is committed.
   */
  flush(changes: readonly RoutedChange[], guard?: FlushGuard): Promise<FlushResult>;
}

/** A change that could not be applied, and why. */
interface Isolated {
  readonly item: WorkItem;
  readonly error: unknown;
}

export function createPostgresSink({
  pool,
  logger = silentLogger,
  syncedAtColumn = DEFAULT_SYNCED_AT_COLUMN,
  unknownColumns = 'ignore',
  schemaEvolution = 'none',
  sourcePositionColumn = '',
  deletedKeysRetentionHours = DEFAULT_DELETED_KEYS_RETENTION_H,
}: PostgresSinkConfig): PostgresSink {
  const catalog = createCatalog({ evolution: schemaEvolution, syncedAtColumn, logger });
  /** Table-and-column pairs already warned about under the 'ignore' policy. */
  const warnedColumns = new Set<string>();
  const applyOptions = { syncedAtColumn, logger, sourcePositionColumn };
  const tombstones: DeletedKeys = deletedKeys(pool, deletedKeysRetentionHours, logger);

  /** With a guarded table in the batch: the tombstone table exists, and expired tombstones go now and then. */
  const prepareGuard = async (lookups: ReadonlyMap<string, TableLookup>): Promise<void> => {
    if (sourcePositionColumn === '') return;
    for (const lookup of lookups.values()) {
      const guard = lookup.kind === 'found' ? positionColumnOf(lookup.table, sourcePositionColumn) : null;
      if (guard === null || typeof guard === 'string' || guard.column === null) continue;
      await tombstones.ensure();
      await tombstones.pruneIfDue();
      return;
    }
  };

  /** Looks up every table of the batch, refreshing a cached one once if a change has a column it lacks. */
  const lookUp = async (changes: readonly RoutedChange[]): Promise<Map<string, TableLookup>> => {
    const needed = new Map<string, { ref: TableRef; columns: Set<string>; changes: RoutedChange[] }>();
    for (const change of changes) {
      const key = tableKey(change.target);
      let entry = needed.get(key);
      if (entry === undefined) {
        entry = { ref: change.target, columns: new Set(), changes: [] };
        needed.set(key, entry);
      }
      entry.changes.push(change);
      if (change.after !== null && change.op !== 'd') {
        for (const column of Object.keys(change.after)) entry.columns.add(column);
      }
    }
    const lookups = new Map<string, TableLookup>();
    for (const [key, { ref, columns, changes: ofTable }] of needed)
      lookups.set(key, await catalog.get(pool, ref, columns, ofTable));
    return lookups;
  };

  const plan = async (changes: readonly RoutedChange[]): Promise<Plan> => {
    const lookups = await lookUp(changes);
    await prepareGuard(lookups);
    const planned = planChanges(changes, lookups, { syncedAtColumn, unknownColumns, sourcePositionColumn });
    for (const { table, column } of planned.ignoredColumns) {
      const key = JSON.stringify([table.schema, table.table, column]);
      if (warnedColumns.has(key)) continue;
      warnedColumns.add(key);
      logger.warn(
        { table: `${table.schema}.${table.table}`, column },
        'event column not in the target table: ignored (add it to the target to keep its values)',
      );
    }
    return planned;
  };

  /**
   * One transaction over `items` (and, with a guard, the positions and the dead letters not yet
   * written): undefined when committed, the error when it is record-level.
   */
  const attempt = async (items: readonly WorkItem[], guarded?: GuardedFailures): Promise<unknown> => {
    if (items.length === 0 && (guarded === undefined || guarded.unwritten.length === 0)) return undefined;
    try {
      await withTransaction(pool, async (client) => {
        await applyItems(client, items, applyOptions);
        await guarded?.writeWith(client, items);
      });
      guarded?.written();
      return undefined;
    } catch (error) {
      if (isRecordLevel(error)) return error;
      throw error;
    }
  };

  /**
   * Bisects until each failing transaction holds one change. Halves keep the batch order and the
   * first commits before the second runs, so order between changes (a truncate and what follows
   * it) holds across the split. `failure` is the error of `items` as a whole, when already known.
   */
  const isolate = async (
    items: readonly WorkItem[],
    guarded: GuardedFailures | undefined,
    failure?: unknown,
  ): Promise<Isolated[]> => {
    const error = failure ?? (await attempt(items, guarded));
    if (error === undefined) return [];
    const [only] = items;
    if (items.length === 1 && only !== undefined) {
      // Its dead letter goes with the next transaction that commits, with the positions.
      guarded?.add([failureOf({ item: only, error })]);
      return [{ item: only, error }];
    }
    const middle = Math.ceil(items.length / 2);
    return [
      ...(await isolate(items.slice(0, middle), guarded)),
      ...(await isolate(items.slice(middle), guarded)),
    ];
  };

  return {
    flush: async (changes, guard) => {
      const started = performance.now();
      let planned = await plan(changes);
      let guarded = guard && new GuardedFailures(guard, planned.failures);
      let isolated: Isolated[] = [];
      const error = await attempt(planned.items, guarded);
      if (error !== undefined && isStaleCatalog(error)) {
        // The target changed under the cached catalog (a column or table dropped or renamed): read
        // it again and plan anew, once, before blaming records.
        for (const change of changes) catalog.invalidate(change.target);
        logger.info({ code: sqlState(error) }, 'target schema changed since it was read: catalog refreshed');
        planned = await plan(changes);
        guarded = guard && new GuardedFailures(guard, planned.failures);
        isolated = await isolate(planned.items, guarded);
      } else if (error !== undefined) {
        isolated = await isolate(planned.items, guarded, error);
      }
      // Dead letters found after the last committed transaction: stored with their positions.
      if (guarded !== undefined && guarded.unwritten.length > 0) await attempt([], guarded);

      const guilty = new Set(isolated.map(({ item }) => item));
      const failed = [...planned.failures, ...isolated.map(failureOf)];
      for (const { item, error: cause } of isolated) {
        const { topic, partition, offset } = item.change.origin;
        logger.warn(
          {
            table: `${item.table.ref.schema}.${item.table.ref.table}`,
            code: sqlState(cause),
            topic,
            partition,
            offset,
          },
          'change cannot be applied: isolated as a failure',
        );
      }
      const applied = planned.items.filter((item) => !guilty.has(item)).map((item) => item.change.origin);
      logger.debug(
        {
          rows: changes.length,
          applied: applied.length,
          failed: failed.length,
          ms: Math.round(performance.now() - started),
        },
        'flushed',
      );
      return { applied, failed, deadLettered: guard !== undefined };
    },
  };
}

/**
 * A guarded flush's failures not yet stored. Each committing transaction writes them with the
 * positions of its changes and theirs: isolation commits in batch order, so when a transaction
 * commits, every failure before its changes is already known, and no position passes a record
 * whose dead letter is not stored in the same transaction.
 */
class GuardedFailures {
  unwritten: Failure[];

  constructor(
    private readonly guard: FlushGuard,
    planned: readonly Failure[],
  ) {
    this.unwritten = [...planned];
  }

  add(failures: readonly Failure[]): void {
    this.unwritten.push(...failures);
  }

  async writeWith(client: Queryable, items: readonly WorkItem[]): Promise<void> {
    // Positions first: a fenced-off owner stops here, before its dead letters are even written.
    await this.guard.record(client, [
      ...items.map((item) => item.change.origin),
      ...this.unwritten.map((failure) => failure.origin),
    ]);
    if (this.unwritten.length > 0) await this.guard.deadLetter(client, this.unwritten);
  }

  /** The transaction committed: its dead letters are stored. */
  written(): void {
    this.unwritten = [];
  }
}

/** What each kind of work item runs, as the reasons name it. */
const STATEMENT_OF: Readonly<Record<WorkItem['op'], string>> = {
  upsert: 'upsert into',
  delete: 'delete from',
  truncate: 'truncate',
};

/** An isolated change as a Failure: a value-free reason, PostgreSQL's own text as the detail. */
function failureOf({ item, error }: Isolated): Failure {
  const { reason, detail } = applyFailureText(`${STATEMENT_OF[item.op]} ${item.table.sqlName}`, error);
  return changeFailure(item.change, 'apply', reason, detail);
}
