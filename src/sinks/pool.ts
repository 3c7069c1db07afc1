/**
 * The one module that owns the target's connection pool. Work that must be atomic runs on one
 * checked-out client inside BEGIN … COMMIT (node-postgres: "you must use the same client instance
 * for all statements within a transaction"). Parameter values are never logged here or anywhere.
 */
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { ConnectionLostError } from '../errors.js';
import { databaseConnection, NO_DATABASE_SECURITY, type DatabaseSecurity } from '../security/postgres.js';
import { sqlState } from './sqlstate.js';

/** What can run a query: the pool itself or a checked-out client. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** How the target pool connects. */
export interface TargetPoolOptions {
  /** Most connections open at once; one flush holds one. */
  readonly max?: number;
  /** Shown in pg_stat_activity, so a DBA can tell the pipeline's sessions apart. */
  readonly applicationName?: string;
  /** How long to wait for a connection, in milliseconds (0 = forever). */
  readonly connectionTimeoutMs?: number;
  /** How long an idle connection stays open, in milliseconds. */
  readonly idleTimeoutMs?: number;
  /** Server-side limit on one statement, in milliseconds (0 = none). */
  readonly statementTimeoutMs?: number;
  /** Where pool errors are reported (code only, never values); silent by default. */
  readonly logger?: Logger;
  /** TLS files and a password file (TARGET_DATABASE_SSL_*, TARGET_DATABASE_PASSWORD_FILE); sslmode is in the URL. */
  readonly security?: DatabaseSecurity;
}

const DEFAULT_MAX_CONNECTIONS = 4;
const DEFAULT_APPLICATION_NAME = 'cdc-pipeline';
const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const NO_STATEMENT_TIMEOUT = 0;

/** A logger that drops everything: the default of every sink component. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** A pool on the target database at `url`. The caller ends it (`pool.end()`). */
export function createTargetPool(url: string, options: TargetPoolOptions = {}): pg.Pool {
  const {
    max = DEFAULT_MAX_CONNECTIONS,
    applicationName = DEFAULT_APPLICATION_NAME,
    connectionTimeoutMs = DEFAULT_CONNECTION_TIMEOUT_MS,
    idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
    statementTimeoutMs = NO_STATEMENT_TIMEOUT,
    logger = silentLogger,
    security = NO_DATABASE_SECURITY,
  } = options;
  const pool = new pg.Pool({
    // The URL's sslmode read as libpq reads it, with the files' TLS options and password.
    ...databaseConnection(url, security, 'target'),
    max,
    application_name: applicationName,
    connectionTimeoutMillis: connectionTimeoutMs,
    idleTimeoutMillis: idleTimeoutMs,
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
  });
  // An idle client that loses its connection emits 'error' on the pool; unhandled, it would end
  // the process. The pool drops that client by itself: note it and go on.
  pool.on('error', (error) => {
    logger.warn(
      { code: sqlState(error) ?? errorCode(error) },
      'idle target connection failed; the pool replaces it',
    );
  });
  return pool;
}

/**
 * Runs `work` in one transaction on a checked-out client: BEGIN, work, COMMIT; on any error
 * ROLLBACK and rethrow the original error. The client goes back to the pool in `finally`, or is
 * destroyed (`release(true)`) when even ROLLBACK failed: its connection is broken or its state unknown.
 *
 * A checked-out client has no 'error' listener of the pool's, and pg emits 'error' when the server
 * goes away mid-transaction: unheard, that event would end the process. It is heard here, and the
 * failure becomes a retriable ConnectionLostError (pg gives such errors no SQLSTATE to judge by).
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect().catch((error: unknown) => {
    // Refused authentication or a missing database carry a SQLSTATE and are judged by it.
    throw sqlState(error) === undefined ? new ConnectionLostError(error) : error;
  });
  let lost: unknown;
  const onConnectionError = (error: Error): void => {
    lost = error;
  };
  client.on('error', onConnectionError);
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    if (lost !== undefined && sqlState(error) === undefined) throw new ConnectionLostError(error);
    throw error;
  } finally {
    client.removeListener('error', onConnectionError);
    client.release(broken || lost !== undefined);
  }
}

function errorCode(error: Error): string | undefined {
  return 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
