/**
 * The `cause` chain of an error, from the outside in. pg and kafkajs errors arrive wrapped (a
 * KafkaJSNonRetriableError around a protocol error, an ApplyError around a pg error), and what
 * decides about them (a SQLSTATE, a Kafka error type, a `retriable` flag) may sit on any link.
 */

/** How many links are followed at most: guards against a cycle (`a.cause = b; b.cause = a`). */
export const MAX_CAUSE_DEPTH = 16;

/** Each object of the chain, starting with `error` itself; stops at a non-object or the depth limit. */
export function* causeChain(error: unknown): Generator<object> {
  let link = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof link === 'object' && link !== null; depth++) {
    yield link;
    link = 'cause' in link ? link.cause : undefined;
  }
}

/** The first defined answer of `read` along the chain, or undefined when no link has one. */
export function findInCauseChain<T>(error: unknown, read: (link: object) => T | undefined): T | undefined {
  for (const link of causeChain(error)) {
    const found = read(link);
    if (found !== undefined) return found;
  }
  return undefined;
}
