import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  ApplyError,
  CdcError,
  ConfigError,
  ConnectionLostError,
  changeFailure,
  isFatal,
  isRetriable,
  OutageTooLongError,
  PartError,
  summarizeError,
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
    ['53100', 'disk_full (class 53)'],
    ['53200', 'out_of_memory (class 53)'],
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

// kafkajs is CommonJS: its error classes are reached through the default export.
const {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSSASLAuthenticationError,
  KafkaJSProtocolError,
} = kafkajs;
/** kafkajs' typings omit the options argument its own retrier passes (src/retry/index.js). */
const NonRetriableError = KafkaJSNonRetriableError as unknown as new (
  error: Error,
  options: { cause: Error },
) => Error;
/** What kafkajs throws when a broker refuses the connection, and after its retrier gave up. */
/** kafkajs' typings declare this one without the message its constructor takes. */
const SASLError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
const kafkaRefused = () =>
  new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', {
    broker: '127.0.0.1:9092',
    code: 'ECONNREFUSED',
  });
const gaveUp = (error: Error) => new NonRetriableError(error, { cause: error });
const protocolError = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError(Object.assign(new Error(`${type} from the broker`), { type, code: 1, retriable }));

describe('isFatal', () => {
  it.each([
    ['a configuration error', new ConfigError('KAFKA_BROKERS is empty')],
    ['an outage past its limit', new OutageTooLongError('Kafka unreachable for 301 s', kafkaRefused())],
    ['a programmer error', new TypeError('x is undefined')],
    ['refused authentication (SQLSTATE 28P01)', pgError('28P01')],
    ['a database that does not exist (SQLSTATE 3D000)', pgError('3D000')],
    ['a missing privilege (SQLSTATE 42501)', pgError('42501')],
    ['a refused SASL authentication (kafkajs, by name)', new SASLError('SASL PLAIN failed')],
    [
      'a group authorization refusal (Kafka error type)',
      gaveUp(protocolError('GROUP_AUTHORIZATION_FAILED', false)),
    ],
    ['a fatal cause inside a part tag', PartError.wrap('target', pgError('28P01'))],
  ])('ends the service on %s', (_, error) => {
    expect(isFatal(error)).toBe(true);
  });

  it.each([
    ['a refused connection', socketError('ECONNREFUSED')],
    ['a target restart (SQLSTATE 57P01)', pgError('57P01')],
    ['a kafkajs connection error wrapped as non-retriable by its retrier', gaveUp(kafkaRefused())],
    ['a lost target connection', new ConnectionLostError(new Error('Connection terminated unexpectedly'))],
    ['a data error', pgError('23505')],
    ['something unknown', new Error('something')],
    ['a non-error', 'a string'],
  ])('rides out %s', (_, error) => {
    expect(isFatal(error)).toBe(false);
  });
});

describe('summarizeError', () => {
  it('shows only the SQLSTATE of an error whose message may quote row values', () => {
    const duplicate = Object.assign(
      new Error('duplicate key value violates unique constraint "users_pkey"'),
      {
        code: '23505',
        detail: 'Key (email)=(secret@example.com) already exists.',
      },
    );
    expect(summarizeError(duplicate)).toBe('SQLSTATE 23505');
    expect(summarizeError(new ApplyError('flush failed', { table, cause: duplicate }))).toBe(
      'SQLSTATE 23505',
    );
  });

  it('shows the message of connection-level errors, which name hosts, never rows', () => {
    expect(summarizeError(socketError('ECONNREFUSED'))).toBe('connect ECONNREFUSED');
    expect(summarizeError(gaveUp(kafkaRefused()))).toBe(
      'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
    );
    expect(summarizeError(pgError('57P01'))).toBe('server said no (SQLSTATE 57P01)');
  });

  it('takes a five-letter socket code for what it is, not for a SQLSTATE', () => {
    const pipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' });
    expect(summarizeError(pipe)).toBe('write EPIPE');
  });

  it('names the Kafka error type', () => {
    expect(summarizeError(gaveUp(protocolError('NOT_COORDINATOR', true)))).toBe(
      'NOT_COORDINATOR: NOT_COORDINATOR from the broker',
    );
  });

  it('falls back to the innermost error, or the value itself', () => {
    expect(summarizeError(new Error('outer', { cause: new RangeError('inner') }))).toBe('RangeError: inner');
    expect(summarizeError('plain text')).toBe('plain text');
  });
});

describe('PartError.wrap', () => {
  it('tags an error with the part that failed, keeping it as the cause and its retriability', () => {
    const cause = socketError('ECONNREFUSED');
    const tagged = PartError.wrap('target', cause);
    expect(tagged).toMatchObject({ name: 'PartError', part: 'target', cause, retriable: true });
    expect(tagged.message).toBe('target PostgreSQL: connect ECONNREFUSED');
    expect(PartError.wrap('broker', pgError('23505')).retriable).toBe(false);
  });

  it('keeps the first part and does not wrap twice', () => {
    const tagged = PartError.wrap('broker', kafkaRefused());
    const again = PartError.wrap('target', tagged);
    expect(again).toBe(tagged);
    expect(again.part).toBe('broker');
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
