/**
 * The pipeline's error family, in the kafkajs style (`src/errors.js` there): one base class with a
 * `retriable` flag and a `cause`, subclasses that carry the coordinates needed to find the guilty
 * record or table again. Retriability is decided from codes and flags, never from message text.
 */
import { causeChain, findInCauseChain } from './cause-chain.js';
import { isTlsConfigurationCode } from './security/tls-errors.js';
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
  '25006', // read_only_sql_transaction: the target is a standby for now (a failover in progress)
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

/** SQLSTATE class 53: insufficient resources (disk full, out of memory, too many connections). */
const INSUFFICIENT_RESOURCES_CLASS = '53';

const isProgrammerError = (link: object): boolean =>
  link instanceof TypeError ||
  link instanceof RangeError ||
  link instanceof SyntaxError ||
  link instanceof ReferenceError;

const codeOf = (link: object): string | undefined =>
  'code' in link && typeof link.code === 'string' ? link.code : undefined;

const isRetriableSqlState = (code: string): boolean =>
  RETRIABLE_SQLSTATES.has(code) ||
  code.startsWith(CONNECTION_EXCEPTION_CLASS) ||
  code.startsWith(INSUFFICIENT_RESOURCES_CLASS);

/**
 * Whether retrying the failed action may succeed. Walks the `cause` chain from the outside in; the
 * first link that has an opinion decides:
 * - TypeError, RangeError, SyntaxError, ReferenceError: programmer errors, never retriable;
 * - a `code` that is a retriable SQLSTATE or socket error: retriable; any other SQLSTATE: not;
 * - a boolean `retriable` (kafkajs errors, CdcError): that flag, so an outer explicit decision wins;
 * - otherwise look at the cause. Nothing decided: not retriable (only known-transient is retried).
 */
export function isRetriable(error: unknown): boolean {
  const decided = findInCauseChain(error, (link): boolean | undefined => {
    if (isProgrammerError(link)) return false;
    const code = codeOf(link);
    if (code !== undefined) {
      if (RETRIABLE_SOCKET_CODES.has(code)) return true;
      if (SQLSTATE_PATTERN.test(code)) return isRetriableSqlState(code);
    }
    if ('retriable' in link && typeof link.retriable === 'boolean') return link.retriable;
    return undefined;
  });
  return decided ?? false;
}

/** The parts of the stack the pipeline depends on, as an outage names them. */
export type Part = 'broker' | 'target';

/** An action on one part failed: says which part, so the service knows what it waits for. */
export class PartError extends CdcError {
  override name = 'PartError';
  readonly part: Part;

  private constructor(part: Part, cause: unknown) {
    super(`${part === 'broker' ? 'Kafka' : 'target PostgreSQL'}: ${summarizeError(cause)}`, { cause });
    this.part = part;
  }

  /** `error` tagged with `part`; an error already tagged keeps its first part. */
  static wrap(part: Part, error: unknown): PartError {
    return error instanceof PartError ? error : new PartError(part, error);
  }
}

/** The target connection broke during a transaction (pg gives such errors no SQLSTATE). */
export class ConnectionLostError extends CdcError {
  override name = 'ConnectionLostError';

  constructor(cause: unknown) {
    super(`target connection lost: ${summarizeError(cause)}`, { retriable: true, cause });
  }
}

/**
 * kafkajs returned from a commit without sending it: its consumer had stopped (a crash, a
 * disconnect). The offsets stay uncommitted and are offered again by the next commit.
 */
export class CommitNotSentError extends CdcError {
  override name = 'CommitNotSentError';

  constructor() {
    super('Kafka commit not sent: the consumer is not running', { retriable: true });
  }
}

/**
 * A flush found that another owner claimed one of its partitions since this consumer did (a
 * rebalance moved it): its transaction rolled back, and it is dropped, not retried, since the new
 * owner reads those records again from the position in the target.
 */
export class FencedError extends CdcError {
  override name = 'FencedError';
  readonly partitions: readonly { readonly topic: string; readonly partition: number }[];

  constructor(partitions: readonly { readonly topic: string; readonly partition: number }[]) {
    super(
      `fenced off: another owner claimed ${partitions.map((p) => `${p.topic}/${p.partition}`).join(', ')}`,
      { retriable: false },
    );
    this.partitions = partitions;
  }
}

/** A part stayed unreachable longer than the configured limit: the service gives up. */
export class OutageTooLongError extends CdcError {
  override name = 'OutageTooLongError';

  constructor(message: string, cause: unknown) {
    super(message, { retriable: false, cause });
  }
}

/**
 * SQLSTATEs that a person must fix before anything can work: refused authentication (class 28),
 * a database that does not exist, a missing privilege.
 */
const FATAL_SQLSTATES: ReadonlySet<string> = new Set(['3D000', '42501']);
const INVALID_AUTHORIZATION_CLASS = '28';

/** kafkajs errors that retrying cannot cure (found by name: kafkajs is CommonJS, its classes differ by copy). */
const FATAL_KAFKAJS_ERRORS: ReadonlySet<string> = new Set(['KafkaJSSASLAuthenticationError']);
/** Kafka error codes that mean a person must grant something. */
const FATAL_KAFKA_TYPES: ReadonlySet<string> = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'INVALID_SESSION_TIMEOUT',
]);

/**
 * Whether the error ends the service: bad configuration, refused authentication or authorization,
 * a TLS certificate that does not verify (src/security/tls-errors.ts), an outage that outlasted its
 * limit, or a programmer error. Everything else that reaches the
 * service is weather: it waits and tries again.
 */
export function isFatal(error: unknown): boolean {
  for (const link of causeChain(error)) {
    if (link instanceof ConfigError || link instanceof OutageTooLongError || isProgrammerError(link)) {
      return true;
    }
    const code = codeOf(link);
    if (code !== undefined && SQLSTATE_PATTERN.test(code)) {
      if (FATAL_SQLSTATES.has(code) || code.startsWith(INVALID_AUTHORIZATION_CLASS)) return true;
    }
    // A certificate that does not verify, or a TLS handshake refused: only new settings cure it.
    if (code !== undefined && isTlsConfigurationCode(code)) return true;
    if ('name' in link && typeof link.name === 'string' && FATAL_KAFKAJS_ERRORS.has(link.name)) return true;
    if ('type' in link && typeof link.type === 'string' && FATAL_KAFKA_TYPES.has(link.type)) return true;
  }
  return false;
}

/**
 * One line about an error for logs, free of row values: the code or Kafka error type of the first
 * link that has one, with that link's message when it is a connection-level error (they name hosts,
 * never rows). PostgreSQL messages of other classes may quote values, so only their SQLSTATE shows.
 */
export function summarizeError(error: unknown): string {
  for (const link of causeChain(error)) {
    const code = codeOf(link);
    const message = link instanceof Error ? link.message : '';
    // EPIPE is five capitals too: a socket code is no SQLSTATE, and its message names no row.
    if (code !== undefined && !RETRIABLE_SOCKET_CODES.has(code) && SQLSTATE_PATTERN.test(code)) {
      return isRetriableSqlState(code) ||
        FATAL_SQLSTATES.has(code) ||
        code.startsWith(INVALID_AUTHORIZATION_CLASS)
        ? `${message} (SQLSTATE ${code})`
        : `SQLSTATE ${code}`;
    }
    if (code !== undefined) return message.includes(code) ? message : `${code}: ${message}`;
    if ('type' in link && typeof link.type === 'string') return `${link.type}: ${message}`;
  }
  const innermost = [...causeChain(error)].at(-1);
  return innermost instanceof Error ? `${innermost.name}: ${innermost.message}` : String(error);
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
