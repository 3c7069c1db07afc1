import {
  asyncScheduler,
  retry,
  throwError,
  timer,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import { DEFAULT_RETRY } from '../defaults.js';
import { isRetriable as isTransient } from '../errors.js';

/** What `onRetry` is told before each retry. */
export interface RetryInfo {
  /** The retried action's description. */
  readonly description: string;
  /** 1 for the first retry, 2 for the second, … */
  readonly attempt: number;
  /** How long until the retry, jitter included. */
  readonly delayMs: number;
  /** The error that is being retried. */
  readonly error: unknown;
}

/** A retry policy for one action. */
export interface RetryWithBackoffConfig {
  /** What is retried, for every retry log line (`flush public.users, 120 changes`). */
  readonly description: string;
  /** Retries after the first attempt; 0 = none, Infinity = until it succeeds. */
  readonly maxRetries?: number;
  /** Nominal delay before the first retry. */
  readonly initialDelayMs?: number;
  /** Cap on any one delay, jitter included. */
  readonly maxDelayMs?: number;
  /** Factor from one nominal delay to the next; at least 1. */
  readonly multiplier?: number;
  /** Spread of each delay as a fraction of it, from 0 (none) to 1. */
  readonly jitter?: number;
  /** Which errors are transient; the others pass straight through. Default: `isRetriable` from errors.ts. */
  readonly isRetriable?: (error: unknown) => boolean;
  /** Called before each retry, to log it. */
  readonly onRetry?: (info: RetryInfo) => void;
  /** Uniform random numbers in [0, 1), for the jitter; injectable for tests. */
  readonly random?: () => number;
}

/**
 * Re-subscribes to the source when it fails with a transient error, after an exponential delay
 * with jitter: the nth retry waits about `initialDelayMs × multiplier^(n-1)`, never more than
 * `maxDelayMs`. Non-retriable errors, and the error after the last retry, pass straight through.
 * The source must redo its work on each subscription: wrap a Promise-returning action in `defer`.
 * Retries count from the first subscription (a value does not reset them).
 *
 * @throws RangeError at creation when a number is out of range.
 */
export function retryWithBackoff<T>(
  {
    description,
    maxRetries = DEFAULT_RETRY.maxRetries,
    initialDelayMs = DEFAULT_RETRY.initialDelayMs,
    maxDelayMs = DEFAULT_RETRY.maxDelayMs,
    multiplier = DEFAULT_RETRY.multiplier,
    jitter = DEFAULT_RETRY.jitter,
    isRetriable = isTransient,
    onRetry,
    random = Math.random,
  }: RetryWithBackoffConfig,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  check(maxRetries >= 0, 'maxRetries', maxRetries);
  check(initialDelayMs >= 0 && initialDelayMs < Infinity, 'initialDelayMs', initialDelayMs);
  check(maxDelayMs >= initialDelayMs && maxDelayMs < Infinity, 'maxDelayMs', maxDelayMs);
  check(multiplier >= 1 && multiplier < Infinity, 'multiplier', multiplier);
  check(jitter >= 0 && jitter <= 1, 'jitter', jitter);

  return retry({
    count: maxRetries,
    delay: (error: unknown, attempt: number) => {
      if (!isRetriable(error)) return throwError(() => error);
      const nominal = Math.min(initialDelayMs * multiplier ** (attempt - 1), maxDelayMs);
      const spread = 1 - jitter + 2 * jitter * random();
      const delayMs = Math.round(Math.min(nominal * spread, maxDelayMs));
      onRetry?.({ description, attempt, delayMs, error });
      return timer(delayMs, scheduler);
    },
  });
}

function check(valid: boolean, name: string, value: number): void {
  if (!valid) throw new RangeError(`retryWithBackoff: ${name} is out of range: ${value}`);
}
