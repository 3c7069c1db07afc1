import { describe, expect, it } from 'vitest';
import {
  ApplyError,
  CdcError,
  ConfigError,
  changeFailure,
  isRetriable,
} from '../src/errors.js';
import { UNAVAILABLE, type ChangeEvent } from '../src/types.js';

const origin = { topic: 'dbserver1.public.users', partition: 2, offset: '41' };
const table = { schema: 'public', table: 'users' };

/** What node-postgres throws for a server error: an Error with the SQLSTATE in `code`. */
const pgError = (code: string): Error => Object.assign(new Error('server said no'), { code });
/** What Node throws for a socket failure. */
const socketError = (code: string): Error =>
  Object.assign(new Error(`connect ${code}`), { code, syscall: 'connect' });
/** A kafkajs error: its own `retriable` flag. */
const kafkaError = (retriable: boolean): Error => Object.assign(new Error('kafka said so'), { retriable });

describe('isRetriable', () => {
  it.each([
    ['08006', 'connection_failure'],
    ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
    ['08P01', 'protocol_violation (class 08)'],
    ['40001', 'serialization_failure'],
    ['40P01', 'deadlock_detected'],
    ['57P01', 'admin_shutdown'],
    ['57P02', 'crash_shutdown'],
    ['57P03', 'cannot_connect_now'],
    ['53300', 'too_many_connections'],
    ['55P03', 'lock_not_available'],
  ])('retries SQLSTATE %s (%s)', (code) => {
    expect(isRetriable(pgError(code))).toBe(true);
  });

  it.each([
    ['23505', 'unique_violation'],
    ['42P01', 'undefined_table'],
    ['22P02', 'invalid_text_representation'],
    ['57014', 'query_canceled'],
    ['40002', 'transaction_integrity_constraint_violation'],
  ])('does not retry SQLSTATE %s (%s)', (code) => {
    expect(isRetriable(pgError(code))).toBe(false);
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'])('retries socket error %s', (code) => {
    expect(isRetriable(socketError(code))).toBe(true);
  });

  it('does not retry other system errors', () => {
    expect(isRetriable(socketError('ENOENT'))).toBe(false);
    expect(isRetriable(socketError('EACCES'))).toBe(false);
  });

  it('respects the retriable flag of kafkajs errors', () => {
    expect(isRetriable(kafkaError(true))).toBe(true);
    expect(isRetriable(kafkaError(false))).toBe(false);
  });

  it('never retries programmer errors, whatever they wrap', () => {
    expect(isRetriable(new TypeError('x is undefined'))).toBe(false);
    expect(isRetriable(new RangeError('bad'))).toBe(false);
    expect(isRetriable(new SyntaxError('bad'))).toBe(false);
    expect(isRetriable(new TypeError('wrapped', { cause: pgError('40001') }))).toBe(false);
  });

  it('never matches message text', () => {
    expect(isRetriable(new Error('deadlock detected'))).toBe(false);
    expect(isRetriable(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isRetriable(new Error('ECONNRESET'))).toBe(false);
  });

  it('walks the cause chain', () => {
    const wrapped = new Error('flush failed', {
      cause: new Error('query failed', { cause: pgError('40P01') }),
    });
    expect(isRetriable(wrapped)).toBe(true);
    expect(isRetriable(new Error('flush failed', { cause: pgError('23505') }))).toBe(false);
    expect(isRetriable(new Error('flush failed', { cause: new RangeError('bad') }))).toBe(false);
  });

  it('lets an outer explicit flag win over its cause', () => {
    const kafkaNonRetriable = Object.assign(new Error('gave up', { cause: kafkaError(true) }), {
      retriable: false,
    });
    expect(isRetriable(kafkaNonRetriable)).toBe(false);
    expect(isRetriable(new CdcError('no more', { retriable: false, cause: pgError('40001') }))).toBe(false);
  });

  it('does not retry what it knows nothing about', () => {
    expect(isRetriable(new Error('something'))).toBe(false);
    expect(isRetriable('a string')).toBe(false);
    expect(isRetriable(undefined)).toBe(false);
    expect(isRetriable(null)).toBe(false);
    expect(isRetriable({ code: 42 })).toBe(false);
  });

  it('stops on a cause cycle', () => {
    const a: { cause?: unknown } = {};
    const b = { cause: a };
    a.cause = b;
    expect(isRetriable(a)).toBe(false);
  });
});

describe('CdcError and its family', () => {
  it('takes retriable from its cause unless told', () => {
    const error = new CdcError('flush failed', { cause: pgError('40001') });
    expect(error.retriable).toBe(true);
    expect(error.cause).toEqual(pgError('40001'));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CdcError');
    expect(new CdcError('plain').retriable).toBe(false);
    expect(new CdcError('plain').cause).toBeUndefined();
    expect(new CdcError('plain', { retriable: true }).retriable).toBe(true);
  });

  it('ApplyError carries the table and origin, and is retriable when its cause is', () => {
    const transient = new ApplyError('flush failed', { table, origin, cause: socketError('ECONNRESET') });
    expect(transient).toMatchObject({ name: 'ApplyError', table, origin, retriable: true });
    expect(transient).toBeInstanceOf(CdcError);
    expect(isRetriable(transient)).toBe(true);
    const permanent = new ApplyError('bad row', { table, cause: pgError('23502') });
    expect(permanent).toMatchObject({ table, origin: undefined, retriable: false });
  });

  it('ConfigError is never retriable', () => {
    const config = new ConfigError('missing KAFKA_BROKERS', { cause: socketError('ECONNRESET') });
    expect(config).toMatchObject({ name: 'ConfigError', retriable: false });
    expect(isRetriable(config)).toBe(false);
  });
});

describe('changeFailure', () => {
  const event: ChangeEvent = {
    kind: 'change',
    op: 'u',
    key: { id: '7' },
    before: null,
    after: { id: '7', bio: UNAVAILABLE, name: null },
    source: { schema: 'public', table: 'users', lsn: '100', txId: '5', tsMs: 1, snapshot: 'false' },
    origin,
    record: { key: Buffer.from('{"id":7}'), value: Buffer.from('{"op":"u"}') },
    sizeBytes: 120,
  };

  it('keeps the raw record the change was decoded from, the reason and the detail', () => {
    const failure = changeFailure(event, 'apply', 'check violation', 'Failing row contains (7, …)');
    expect(failure).toEqual({
      kind: 'failure',
      stage: 'apply',
      reason: 'check violation',
      detail: 'Failing row contains (7, …)',
      origin,
      record: event.record,
    });
    expect(failure.record).toBe(event.record); // a reference, not a copy
    expect(changeFailure(event, 'route', 'no table').detail).toBeNull();
  });
});
