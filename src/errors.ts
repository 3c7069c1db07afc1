/**
 * The pipeline's error family, in the kafkajs style (`src/errors.js` there): one base class with a
 * `retriable` flag and a `cause`, subclasses that carry the coordinates needed to find the guilty
 * record or table again. Retriability is decided from codes and flags, never from message text.
 */
import {
  type ChangeEvent,
  type Failure,
  type FailureStage,
  type KafkaOrigin,
  type TableRef,
} from './types.js';

/** What every pipeline error may say about itself. */
export interface CdcErrorOptions {
  /** Whether retrying the same action may succeed; by default, what `isRetriable(cause)` says. */
  readonly retriable?: boolean;
  /** The error this one wraps (a pg or kafkajs error, usually). */
  readonly cause?: unknown;
}

/** The base of the family: a message, a `retriable` flag and the `cause` it wraps. */
export class CdcError extends Error {
  override name = 'CdcError';
  readonly retriable: boolean;

  constructor(message: string, { retriable, cause }: CdcErrorOptions = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.retriable = retriable ?? isRetriable(cause);
  }
}

/** A record that cannot be decoded. Never retriable: the same bytes decode the same way. */
export class DecodeError extends CdcError {
  override name = 'DecodeError';
  readonly origin: KafkaOrigin;

  constructor(
    message: string,
    { origin, cause }: { readonly origin: KafkaOrigin; readonly cause?: unknown },
  ) {
    super(message, { retriable: false, cause });
    this.origin = origin;
  }
}

/** Applying changes to a target table failed; retriable when its cause is (a deadlock, a lost connection). */
export class ApplyError extends CdcError {
  override name = 'ApplyError';
  readonly table: TableRef;
  readonly origin: KafkaOrigin | undefined;

  constructor(
    message: string,
    {
      table,
      origin,
      ...options
    }: CdcErrorOptions & { readonly table: TableRef; readonly origin?: KafkaOrigin },
  ) {
    super(message, options);
    this.table = table;
    this.origin = origin;
  }
}

/** The configuration is wrong: a person has to fix it, so never retriable. */
export class ConfigError extends CdcError {
  override name = 'ConfigError';

  constructor(message: string, { cause }: { readonly cause?: unknown } = {}) {
    super(message, { retriable: false, cause });
  }
}

/**
 * SQLSTATEs worth retrying (https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * the transaction lost a race or the server is going away or busy; the same work can succeed later.
 */
const RETRIABLE_SQLSTATES: ReadonlySet<string> = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '55P03', // lock_not_available
]);

/** SQLSTATE class 08: connection exception, every code in it. */
const CONNECTION_EXCEPTION_CLASS = '08';

/** A SQLSTATE is five digits or upper-case letters; pg puts it in `error.code`. */
const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;

/** Node socket and DNS errors (`error.code`) that mean "the network, not the request". */
const RETRIABLE_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** How deep `isRetriable` follows `cause`; guards against cycles. */
const MAX_CAUSE_DEPTH = 16;

/**
 * Whether retrying the failed action may succeed. Walks the `cause` chain from the outside in; the
 * first link that has an opinion decides:
 * - TypeError, RangeError, SyntaxError, ReferenceError: programmer errors, never retriable;
 * - a `code` that is a retriable SQLSTATE or socket error: retriable; any other SQLSTATE: not;
 * - a boolean `retriable` (kafkajs errors, CdcError): that flag, so an outer explicit decision wins;
 * - otherwise look at the cause. Nothing decided: not retriable (only known-transient is retried).
 */
export function isRetriable(error: unknown): boolean {
  let link = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof link === 'object' && link !== null; depth++) {
    if (
      link instanceof TypeError ||
      link instanceof RangeError ||
      link instanceof SyntaxError ||
      link instanceof ReferenceError
    ) {
      return false;
    }
    const code: unknown = 'code' in link ? link.code : undefined;
    if (typeof code === 'string') {
      if (RETRIABLE_SOCKET_CODES.has(code)) return true;
      if (SQLSTATE_PATTERN.test(code)) {
        return RETRIABLE_SQLSTATES.has(code) || code.startsWith(CONNECTION_EXCEPTION_CLASS);
      }
    }
    if ('retriable' in link && typeof link.retriable === 'boolean') return link.retriable;
    link = 'cause' in link ? link.cause : undefined;
  }
  return false;
}

/**
 * A decoded change as a dead-letter `Failure`: the record it came from travels along (references
 * to the consumed Buffers), so the dead letter holds the exact bytes and a replay decodes them again.
 * `reason` must be free of row values (it is logged); `detail` may quote them (it is only stored).
 */
export function changeFailure(
  event: ChangeEvent,
  stage: FailureStage,
  reason: string,
  detail: string | null = null,
): Failure {
  return { kind: 'failure', stage, reason, detail, origin: event.origin, record: event.record };
}
