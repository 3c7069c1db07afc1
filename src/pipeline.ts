/**
 * The apply pipeline, assembled from the library's parts:
 *
 *   fromKafka → decodeDebezium → route → changeLanes( batch → compact → flush → dead-letter → acknowledge )
 *
 * One Committer owns acknowledgement: records that cannot be decoded or routed are dead-lettered
 * and acknowledged, tombstones are acknowledged at once, flushed batches after their transaction
 * committed. Offsets are committed for the contiguous prefix of durable records only
 * (at-least-once delivery; replays are idempotent in the sink).
 *
 * Failures are tagged with the part that failed (`PartError`: broker or target), so the service
 * knows what it waits for. Target writes retry transient errors in place, without limit unless
 * `retry.maxRetries` says otherwise: the consumer keeps its partitions through a target outage.
 * The output is a stream of reports, one per flush or dead-letter write, for progress and tests.
 */
import type { Consumer } from 'kafkajs';
import {
  catchError,
  concat,
  defer,
  finalize,
  ignoreElements,
  lastValueFrom,
  merge,
  type Observable,
  Subject,
  takeUntil,
  tap,
  throwError,
} from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import { summarizeApplied, type AppliedCount } from './applied-counts.js';
import { DEFAULT_BATCH, DEFAULT_LANES, DEFAULT_RETRY } from './defaults.js';
import { FencedError, PartError } from './errors.js';
import { findInCauseChain } from './cause-chain.js';
import { batch } from './operators/batch.js';
import { concatBatches } from './operators/concatBatches.js';
import { compactBatch } from './operators/compact.js';
import { decodeDebezium, type DecodeOptions } from './operators/decodeDebezium.js';
import { changeKey, changeLanes, laneIndex } from './operators/lanes.js';
import { HeldRecords } from './consistency/held-records.js';
import { refusePartialAssignment } from './consistency/partial-assignment.js';
import { transactionFlushes, type TransactionConsistency } from './consistency/transaction-flushes.js';
import type { AssemblyReset } from './operators/assembleTransactions.js';
import { EffectivelyOnce } from './positions/effectively-once.js';
import type { PositionsPort } from './positions/port.js';
import { retryWithBackoff, type RetryInfo } from './operators/retryWithBackoff.js';
import { route, type RouteConfig } from './operators/route.js';
import {
  acknowledgeSkips,
  deadLetterFailures,
  type ChangeSink,
  type DeadLetterSinkPort,
} from './streams/acknowledge.js';
import { Committer, type CommitterOptions } from './streams/committer.js';
import { fromKafka, type SourceEvent } from './streams/fromKafka.js';
import type {
  Decoded,
  Failure,
  FailureStage,
  KafkaOrigin,
  KafkaRecord,
  RoutedChange,
  Skipped,
} from './types.js';

export type { ChangeSink, DeadLetterSinkPort } from './streams/acknowledge.js';
export type { TransactionConsistency } from './consistency/transaction-flushes.js';
export { DEFAULT_BATCH, DEFAULT_LANES, DEFAULT_RETRY } from './defaults.js';

export interface PipelineOptions {
  readonly consumer: Consumer;
  readonly topics: readonly (string | RegExp)[];
  readonly sink: ChangeSink;
  readonly deadLetters: DeadLetterSinkPort;
  /** Emitting here stops taking records; what is held is flushed and committed, then the output completes. */
  readonly stop: Observable<unknown>;
  readonly fromBeginning?: boolean;
  readonly maxInFlight?: number;
  readonly lanes?: number;
  readonly batch?: { readonly maxSize: number; readonly maxBytes: number; readonly maxWaitMs: number };
  readonly route?: RouteConfig;
  readonly decode?: DecodeOptions;
  /** How target writes are retried; `maxRetries` Infinity (the default) retries until they succeed. */
  readonly retry?: {
    readonly maxRetries: number;
    readonly initialDelayMs: number;
    readonly maxDelayMs: number;
  };
  /** Told before each retry of a target write; a throw here ends the retries (and the pipeline). */
  readonly onRetry?: (info: RetryInfo) => void;
  /** Told after each target write that succeeded. */
  readonly onTargetWrite?: () => void;
  readonly onSourceEvent?: (event: SourceEvent) => void;
  /** Told about a commit that failed transiently; its offsets go with the next commit. */
  readonly onCommitError?: CommitterOptions['onCommitError'];
  /** Told about each commit the broker acknowledged, with how long it took. */
  readonly onCommitted?: CommitterOptions['onCommitted'];
  /** Told about each record read from Kafka (for metrics: keep it cheap, it runs per record). */
  readonly onConsumed?: (record: KafkaRecord) => void;
  /** Told about each record that carries nothing to apply (a tombstone, a logical message). */
  readonly onSkipped?: (skipped: Skipped) => void;
  /**
   * Effectively-once apply: positions kept in the target, claimed on every assignment and advanced
   * in each flush's own transaction (src/sinks/positions.ts, with a sink that takes a FlushGuard).
   * Without it delivery is at-least-once: replays are applied again, idempotently.
   */
  readonly positions?: PositionsPort;
  /**
   * Source-transaction consistency (PIPELINE_CONSISTENCY=transaction): whole source transactions
   * applied in commit order, in one lane (src/consistency/transaction-flushes.ts). Without it
   * changes run in per-key lanes and a source transaction may show in parts.
   */
  readonly transactions?: TransactionConsistency;
}

export type PipelineReport =
  | {
      readonly type: 'flush';
      readonly lane: number;
      /** Changes in the batch as read from Kafka. */
      readonly received: number;
      /** Changes written after compaction (one per key). */
      readonly written: number;
      readonly failed: number;
      readonly ms: number;
      /** The written changes per target table and op (the dead-lettered ones are not among them). */
      readonly applied: readonly AppliedCount[];
      /** Source commit time (epoch ms) of each written change: how far behind the source the flush ran. */
      readonly sourceTsMs: readonly number[];
      /** Changes read again that the target's positions say were handled before: not applied again. */
      readonly alreadyApplied: number;
      /** Changes read before the latest rebalance, dropped for the copies read again after it. */
      readonly readBeforeRebalance?: number;
      /** Transaction consistency: part of a source transaction too big to hold whole (it shows in parts). */
      readonly piece?: boolean;
      /** Transaction consistency: source transactions this flush completed (a large one with its last piece). */
      readonly transactions?: number;
    }
  | {
      /** A flush dropped because another owner claimed one of its partitions (it reads them again). */
      readonly type: 'fenced';
      readonly lane: number;
      readonly dropped: number;
      readonly partitions: readonly { readonly topic: string; readonly partition: number }[];
    }
  | {
      readonly type: 'dead-letters';
      readonly count: number;
      readonly reasons: readonly string[];
      /** The stage of each dead letter, parallel to `reasons`: the reason's class, fit for a metric label. */
      readonly stages: readonly FailureStage[];
    };

export function runPipeline(options: PipelineOptions): Observable<PipelineReport> {
  const {
    consumer,
    topics,
    sink,
    deadLetters,
    stop,
    fromBeginning = true,
    maxInFlight,
    lanes = DEFAULT_LANES,
    batch: batchLimits = DEFAULT_BATCH,
    route: routeConfig,
    decode,
    retry = DEFAULT_RETRY,
    onRetry,
    onTargetWrite,
    onSourceEvent,
    onCommitError,
    onCommitted,
    onConsumed,
    onSkipped,
    positions,
    transactions,
  } = options;
  // Transaction consistency orders everything in one lane: whole transactions, one after the other.
  const laneCount = transactions === undefined ? lanes : 1;

  return defer(() => {
    const committer = new Committer(consumer, { onCommitError, onCommitted });
    const deadLetterReports = new Subject<PipelineReport>();

    /** A target write, retried while its error is transient; a failure names the target. */
    const onTarget = <T>(description: string, action: () => Promise<T>): Promise<T> =>
      lastValueFrom(
        defer(action).pipe(
          retryWithBackoff({ description, ...retry, onRetry }),
          catchError((error: unknown) => throwError(() => PartError.wrap('target', error))),
        ),
      ).then((result) => {
        onTargetWrite?.();
        return result;
      });

    const reportDeadLetters = (failures: readonly Failure[]): void =>
      deadLetterReports.next({
        type: 'dead-letters',
        count: failures.length,
        reasons: failures.map((failure) => failure.reason),
        stages: failures.map((failure) => failure.stage),
      });
    const durableDeadLetters: DeadLetterSinkPort = {
      write: async (failures: readonly Failure[]) => {
        await onTarget(`write ${failures.length} dead letters`, () => deadLetters.write(failures));
        reportDeadLetters(failures);
      },
    };

    // Effectively-once: what this consumer claimed, and each flush's guard.
    const once =
      positions && new EffectivelyOnce({ positions, tracker: committer.tracker, laneCount, onTarget });
    const onAssigned =
      transactions !== undefined
        ? async (assignment: Readonly<Record<string, readonly number[]>>) => {
            // One consumer must see every partition to order transactions across them.
            refusePartialAssignment(assignment, transactions.partitions);
            return once === undefined ? [] : once.claim(assignment);
          }
        : once && ((assignment: Readonly<Record<string, readonly number[]>>) => once.claim(assignment));
    /** At-least-once applies a change read before a rebalance anyway: the copy re-applies idempotently. */
    const readNow = (origin: KafkaOrigin): boolean => once === undefined || once.readNow(origin);

    const assembling = transactions && new HeldRecords(committer.tracker);
    const resets = new Subject<AssemblyReset>();
    const records = fromKafka(consumer, {
      topics,
      // Transaction consistency: what waits for the rest of its transaction does not hold fetching back.
      tracker: assembling ?? committer.tracker,
      fromBeginning,
      highWaterMark: maxInFlight,
      onAssigned,
      onEvent: (event) => {
        // After a rebalance kafkajs reads every assigned partition again from its committed offset.
        if (event.type === 'rebalanced') {
          once?.rebalanced(event.epoch);
          committer.reset();
          resets.next({ kind: 'reset' });
        }
        onSourceEvent?.(event);
      },
    }).pipe(
      catchError((error: unknown) => throwError(() => PartError.wrap('broker', error))),
      takeUntil(stop),
      tap((record) => onConsumed?.(record)),
    );
    /** Decoded and routed changes; failures dead-lettered (and told to `onFailure`), skips acknowledged. */
    const decodeAndRoute = (
      input: Observable<KafkaRecord>,
      onFailure?: (failure: Failure) => void,
    ): Observable<RoutedChange> =>
      input.pipe(
        // The sink applies creates and updates from `after`: only deletes need their before-image.
        decodeDebezium({ beforeImages: 'deletes', ...decode }),
        tap((decoded) => E.isLeft(decoded) && onFailure?.(decoded.left)),
        deadLetterFailures(committer, durableDeadLetters),
        tap((decoded: Decoded) => {
          if (decoded.kind === 'skipped') onSkipped?.(decoded);
        }),
        acknowledgeSkips(committer),
        route(routeConfig),
        tap((routed) => E.isLeft(routed) && onFailure?.(routed.left)),
        deadLetterFailures(committer, durableDeadLetters),
      );

    /**
     * Applies `received` in one target transaction (retried while transient), dead-letters what the
     * target refuses, then acknowledges `acknowledge` (by default the changes themselves).
     */
    const flushChanges = async (
      received: readonly RoutedChange[],
      lane: number,
      {
        acknowledge = received.map((change) => change.origin),
        positioned = [],
        piece = false,
        transactions,
      }: {
        acknowledge?: readonly KafkaOrigin[];
        positioned?: readonly KafkaOrigin[] | 'none';
        piece?: boolean;
        transactions?: number;
      } = {},
    ): Promise<PipelineReport> => {
      const started = Date.now();
      // Held to for the whole flush, retries included (see ClaimedPositions.now).
      const claimsAt = once?.now();
      const current = received.filter((change) => readNow(change.origin));
      // Changes read again that the target's positions say were handled are not applied twice.
      const fresh =
        once === undefined
          ? current
          : current.filter(
              (change) =>
                !once.handled(change.origin, (count) =>
                  count === laneCount ? lane : laneIndex(changeKey(change), count),
                ),
            );
      const compacted = compactBatch(fresh);
      let failed: readonly Failure[] = [];
      if (compacted.length > 0 || (positioned !== 'none' && positioned.length > 0)) {
        try {
          const result = await onTarget(`flush lane ${lane}: ${compacted.length} changes`, () =>
            sink.flush(compacted, claimsAt && once?.guard(lane, claimsAt, positioned)),
          );
          failed = result.failed;
          if (failed.length > 0 && result.deadLettered === true) reportDeadLetters(failed);
          else if (failed.length > 0) await durableDeadLetters.write(failed);
        } catch (error) {
          const fenced = fencedIn(error);
          if (fenced === undefined) throw error;
          // Not ours any more: nothing was written, nothing is acknowledged.
          return { type: 'fenced', lane, dropped: received.length, partitions: fenced.partitions };
        }
      }
      // Stale records are not acknowledged: their fresh copies are tracked under the same offsets.
      await committer.acknowledge(
        current.length === received.length ? acknowledge : acknowledge.filter(readNow),
      );
      const { applied, sourceTsMs } = summarizeApplied(compacted, failed);
      return {
        type: 'flush',
        lane,
        received: received.length,
        written: compacted.length - failed.length,
        failed: failed.length,
        ms: Date.now() - started,
        applied,
        sourceTsMs,
        alreadyApplied: current.length - fresh.length,
        ...(current.length < received.length
          ? { readBeforeRebalance: received.length - current.length }
          : {}),
        ...(piece ? { piece } : {}),
        ...(transactions === undefined ? {} : { transactions }),
      } satisfies PipelineReport;
    };

    const flushes =
      transactions === undefined
        ? decodeAndRoute(records).pipe(
            finalize(() => deadLetterReports.complete()),
            changeLanes<PipelineReport>({
              count: lanes,
              lane: (laneChanges, lane) =>
                laneChanges.pipe(
                  batch(batchLimits),
                  // Batches that pile up behind a running flush are joined: fewer, larger transactions.
                  concatBatches({
                    maxSize: batchLimits.maxSize,
                    work: (received: RoutedChange[]) => defer(() => flushChanges(received, lane)),
                  }),
                ),
            }),
          )
        : transactionFlushes({
            records,
            resets,
            config: transactions,
            batch: batchLimits,
            committer,
            deadLetters: durableDeadLetters,
            decodeAndRoute,
            flush: flushChanges,
            held: assembling!,
            // Records read again that the target's positions say were handled: whole transactions.
            handled:
              once &&
              ((origin, change) =>
                once.handled(origin, (count) =>
                  change === undefined || count === laneCount ? 0 : laneIndex(changeKey(change), count),
                )),
          }).pipe(finalize(() => deadLetterReports.complete()));

    // What the last flushes acknowledged while an earlier commit ran is committed before leaving.
    const finalCommit = defer(() => committer.commit()).pipe(
      catchError((error: unknown) => throwError(() => PartError.wrap('broker', error))),
      ignoreElements(),
    );
    return concat(merge(deadLetterReports, flushes), finalCommit).pipe(finalize(() => committer.close()));
  });
}

/** The FencedError behind `error` (wrapped by the retries and the part tag), if any. */
function fencedIn(error: unknown): FencedError | undefined {
  return findInCauseChain(error, (link) => (link instanceof FencedError ? link : undefined));
}
