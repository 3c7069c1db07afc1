import { ConfigError } from '../errors.js';

/** Transaction consistency needs every partition of every subscribed topic in this one consumer. */
export function refusePartialAssignment(
  assignment: Readonly<Record<string, readonly number[]>>,
  partitions: Readonly<Record<string, number>> | undefined,
): void {
  if (partitions === undefined) return;
  const missing = Object.entries(partitions).filter(
    ([topic, count]) => (assignment[topic]?.length ?? 0) < count,
  );
  if (missing.length === 0) return;
  throw new ConfigError(
    `PIPELINE_CONSISTENCY=transaction needs all partitions in one consumer, but this one was given only part of ${missing
      .map(([topic, count]) => `${topic} (${assignment[topic]?.length ?? 0} of ${count})`)
      .join(
        ', ',
      )}: run a single pipeline process in this consumer group, or use PIPELINE_CONSISTENCY=key to scale out`,
  );
}
