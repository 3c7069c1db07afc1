/**
 * The demo's own view of Kafka: a kafkajs consumer (a throw-away group that commits nothing) on the
 * demo's topics, started at the end offsets of the moment it starts. Each step takes the end offsets
 * before it runs its SQL and then waits for the first record at or past them whose key is the row's.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import '../../src/streams/kafkajs-idle-timer.js';

/** How often a waiting step looks at what the consumer has received. */
const POLL_MS = 10;

export interface WatchedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The broker's record timestamp (ms): when Connect's producer sent it. */
  readonly timestamp: number;
  /** The key's payload, e.g. `{ id: 7 }` (the Connect schema wrapper removed). */
  readonly key: unknown;
  /** The value's payload (the Debezium envelope without its Connect schema); null for a tombstone. */
  readonly value: DebeziumPayload | null;
  /** Row columns whose JSON is an encoding (a Connect or Debezium logical type), with how to read it. */
  readonly encodings: Readonly<Record<string, string>>;
}

/** The parts of a Debezium change event the demo shows. */
export interface DebeziumPayload {
  readonly op: string;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
  readonly source: {
    readonly lsn?: number;
    readonly txId?: number;
    readonly ts_ms: number;
    readonly ts_us?: number;
  };
  readonly ts_ms?: number;
  readonly ts_us?: number;
}

/** Per partition, the offset the next record will get. */
export type EndOffsets = ReadonlyMap<number, bigint>;

const unwrap = (buffer: Buffer | null): unknown => {
  if (buffer === null) return null;
  const parsed = JSON.parse(buffer.toString('utf8')) as unknown;
  return parsed !== null && typeof parsed === 'object' && 'payload' in parsed
    ? (parsed as { payload: unknown }).payload
    : parsed;
};

interface ConnectField {
  readonly field: string;
  readonly name?: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly fields?: readonly ConnectField[];
}

/** How the JSON converter writes the logical types the demo's tables use. */
const ENCODINGS: Readonly<Record<string, (parameters: Readonly<Record<string, string>>) => string>> = {
  'org.apache.kafka.connect.data.Decimal': (p) => `base64 of the unscaled number, scale ${p.scale ?? '?'}`,
  'io.debezium.time.MicroTimestamp': () => 'microseconds since 1970-01-01',
  'io.debezium.time.Timestamp': () => 'milliseconds since 1970-01-01',
  'io.debezium.time.Date': () => 'days since 1970-01-01',
  'io.debezium.time.MicroTime': () => 'microseconds since midnight',
};

/** From the envelope's Connect schema: the row columns with a logical type, and how to read them. */
function encodingsOf(buffer: Buffer | null): Record<string, string> {
  if (buffer === null) return {};
  const { schema } = JSON.parse(buffer.toString('utf8')) as { schema?: ConnectField };
  const row = schema?.fields?.find((field) => field.field === 'after' || field.field === 'before');
  const found: Record<string, string> = {};
  for (const column of row?.fields ?? []) {
    const describe = column.name === undefined ? undefined : ENCODINGS[column.name];
    if (describe) found[column.field] = describe(column.parameters ?? {});
  }
  return found;
}

const sameKey = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export class EventWatcher {
  private readonly received: WatchedRecord[] = [];

  private constructor(
    private readonly admin: Admin,
    private readonly consumer: Consumer,
    private readonly groupId: string,
  ) {}

  /** Connects, joins a group of its own and starts reading every topic at its current end. */
  static async start(kafka: Kafka, topics: readonly string[]): Promise<EventWatcher> {
    const admin = kafka.admin();
    await admin.connect();
    const groupId = `cdc-demo-watch-${process.pid}-${Date.now()}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    const watcher = new EventWatcher(admin, consumer, groupId);
    const starts = await Promise.all(
      topics.map(async (topic) => [topic, await watcher.endOffsets(topic)] as const),
    );
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics] });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => watcher.keep(topic, partition, message),
    });
    for (const [topic, ends] of starts)
      for (const [partition, offset] of ends) consumer.seek({ topic, partition, offset: offset.toString() });
    await joined;
    return watcher;
  }

  private keep(topic: string, partition: number, message: KafkaMessage): void {
    try {
      this.received.push(this.record(topic, partition, message));
    } catch {
      // Not a JSON change event (someone else's record on a shared topic): not the demo's to show.
    }
  }

  private record(topic: string, partition: number, message: KafkaMessage): WatchedRecord {
    return {
      topic,
      partition,
      offset: message.offset,
      timestamp: Number(message.timestamp),
      key: unwrap(message.key),
      value: unwrap(message.value) as DebeziumPayload | null,
      encodings: encodingsOf(message.value),
    };
  }

  async endOffsets(topic: string): Promise<EndOffsets> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map(({ partition, high }) => [partition, BigInt(high)]));
  }

  /**
   * The first change event (not a tombstone) of `topic` at or past `from` whose key is `key`, or
   * undefined after `timeoutMs`.
   */
  async waitFor(
    topic: string,
    from: EndOffsets,
    key: unknown,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<WatchedRecord | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !signal?.aborted) {
      const found = this.received.find(
        (record) =>
          record.topic === topic &&
          record.value !== null &&
          BigInt(record.offset) >= (from.get(record.partition) ?? 0n) &&
          sameKey(record.key, key),
      );
      if (found) return found;
      await sleep(POLL_MS);
    }
    return undefined;
  }

  /** Forgets what was received before `from` on `topic` (memory stays small on a busy stack). */
  forget(topic: string, from: EndOffsets): void {
    const kept = this.received.filter(
      (record) => record.topic !== topic || BigInt(record.offset) >= (from.get(record.partition) ?? 0n),
    );
    this.received.splice(0, this.received.length, ...kept);
  }

  /** Leaves the group and deletes it: the demo leaves no consumer group of its own behind. */
  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}
