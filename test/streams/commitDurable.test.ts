import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isRebalanceError } from '../../src/streams/commitDurable.js';

// kafkajs is CommonJS: its error classes are reached through the default export.
const { KafkaJSNonRetriableError, KafkaJSProtocolError } = kafkajs;

/** A protocol error as kafkajs builds it from a Kafka error code. */
const protocolError = (type: string, code: number) =>
  new KafkaJSProtocolError(
    Object.assign(new Error(`${type} from the broker`), { type, code, retriable: false }),
  );

/** kafkajs' typings omit the options argument its own retrier passes (src/retry/index.js). */
const NonRetriableError = KafkaJSNonRetriableError as unknown as new (
  error: Error,
  options: { cause: Error },
) => Error;

/** What kafkajs' retrier rejects with when it gives up. */
const gaveUp = (error: Error) => new NonRetriableError(error, { cause: error });

describe('isRebalanceError', () => {
  it('recognises the commit refusals of a group that moved on', () => {
    expect(isRebalanceError(protocolError('REBALANCE_IN_PROGRESS', 27))).toBe(true);
    expect(isRebalanceError(protocolError('UNKNOWN_MEMBER_ID', 25))).toBe(true);
  });

  it('finds them inside the non-retriable wrapper kafkajs puts around them', () => {
    expect(isRebalanceError(gaveUp(protocolError('ILLEGAL_GENERATION', 22)))).toBe(true);
  });

  it('leaves every other failure to the caller', () => {
    expect(isRebalanceError(gaveUp(protocolError('GROUP_AUTHORIZATION_FAILED', 30)))).toBe(false);
    expect(isRebalanceError(new Error('ILLEGAL_GENERATION'))).toBe(false);
    expect(isRebalanceError(undefined)).toBe(false);
  });
});
