/**
 * The fidelity tests' own slice of the shared stack: a schema in both databases, Debezium connectors
 * of their own (own replication slot, publication and topic prefix), their topics created up front,
 * and a teardown that removes every one of those again. Nothing here touches the shared
 * `postgres-connector`, its slot or its topics.
 *
 * Every name carries a per-run suffix that starts with the run's start time, so two runs never meet
 * and a run killed before its teardown is swept up by a later one (`sweepStaleRuns`).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaMessage } from 'kafkajs';
import pg from 'pg';
import {
  connectorStatus,
  deleteConnector,
  failureOf,
  isRunning,
  readConnectorFile,
  registerConnector,
} from '../../../infra/stack/connect.js';
import { collectMessages, kafkaClient, source, stack, target } from './stack.js';
import { createReadyTopics } from './topics.js';

/** Messages of up to this size pass: Kafka's default (1 MiB) is less than the 2 MB row of the type matrix. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** How long a connector and its task get to reach RUNNING. */
const CONNECTOR_RUNNING_TIMEOUT_MS = 60_000;
/** How long a deleted connector gets to release its replication slot. */
const SLOT_RELEASE_TIMEOUT_MS = 30_000;
const POLL_MS = 250;
/** A run whose suffix is older than this and whose objects are still there was killed: sweep it. */
const STALE_RUN_MS = 60 * 60 * 1000;
const SUFFIX = /^([0-9a-z]{8})[0-9a-f]{4}$/;

/** The names of one run. */
export interface FidelityRun {
  readonly suffix: string;
  /** The schema of every table of the run, in source and target. */
  readonly schema: string;
  /** The Kafka consumer groups of the run all start with this. */
  readonly groupPrefix: string;
}

/** One Debezium connector of the run. */
export interface FidelityConnector {
  readonly name: string;
  readonly slot: string;
  readonly publication: string;
  readonly topicPrefix: string;
}

export function newRun(): FidelityRun {
  return runOf(`${Date.now().toString(36).padStart(8, '0')}${randomBytes(2).toString('hex')}`);
}

function runOf(suffix: string): FidelityRun {
  return { suffix, schema: `fidelity_${suffix}`, groupPrefix: `fidelity-${suffix}-` };
}

/** The run's connectors: `main` with the recommended options, `defaults` with Debezium's defaults. */
export function connectorsOf({ suffix }: FidelityRun): {
  readonly main: FidelityConnector;
  readonly defaults: FidelityConnector;
} {
  return {
    main: {
      name: `fidelity-${suffix}`,
      slot: `fidelity_${suffix}`,
      publication: `fidelity_${suffix}`,
      topicPrefix: `fidelity.${suffix}`,
    },
    defaults: {
      name: `fidelity-${suffix}-defaults`,
      slot: `fidelity_${suffix}_defaults`,
      publication: `fidelity_${suffix}_defaults`,
      topicPrefix: `fidelity.${suffix}.defaults`,
    },
  };
}

/** `<topic.prefix>.<schema>.<table>`: where Debezium writes a table's changes. */
export const tableTopic = (connector: FidelityConnector, schema: string, table: string): string =>
  `${connector.topicPrefix}.${schema}.${table}`;

/** `<topic.prefix>.message`: where Debezium writes logical decoding messages. */
export const messageTopic = (connector: FidelityConnector): string => `${connector.topicPrefix}.message`;

/**
 * The options this project recommends for exact values (see docs/data-fidelity.md for why each one
 * is needed). The shipped connector file sets them too; they are set here as well so that this test
 * proves them whatever the file says.
 */
export const EXACT_OPTIONS: Readonly<Record<string, string>> = {
  'decimal.handling.mode': 'string',
  'interval.handling.mode': 'string',
  'column.propagate.source.type': '.*',
  'include.unknown.datatypes': 'true',
  'value.converter.replace.null.with.default': 'false',
};

/**
 * Debezium's and Kafka Connect's own defaults for what EXACT_OPTIONS changes (the shipped file sets
 * the exact options): the `defaults` connector shows what a connector left at its defaults loses.
 */
export const DEBEZIUM_DEFAULT_OPTIONS: Readonly<Record<string, string>> = {
  'decimal.handling.mode': 'precise',
  'interval.handling.mode': 'numeric',
  'column.propagate.source.type': '',
  'include.unknown.datatypes': 'false',
  'value.converter.replace.null.with.default': 'true',
};

/** Messages past Kafka's 1 MiB default (a 2 MB text; twice that in an update with its before image). */
export const LARGE_MESSAGE_OPTIONS: Readonly<Record<string, string>> = {
  'producer.override.max.request.size': String(MAX_MESSAGE_BYTES),
  'topic.creation.default.replication.factor': '1',
  'topic.creation.default.partitions': '1',
  'topic.creation.default.max.message.bytes': String(MAX_MESSAGE_BYTES),
};

/**
 * The shipped connector file (debezium-config/postgres-connector.json) made the run's own: its
 * name, slot, publication, topic prefix and tables, the source as this machine reaches it, and
 * `options` on top.
 */
export function connectorConfig(
  connector: FidelityConnector,
  tables: readonly string[],
  options: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const url = new URL(stack().SOURCE_DATABASE_URL);
  return {
    ...readConnectorFile().config,
    'database.hostname': url.hostname,
    'database.port': url.port || '5432',
    'topic.prefix': connector.topicPrefix,
    'slot.name': connector.slot,
    'publication.name': connector.publication,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': tables.join(','),
    ...options,
  };
}

/** Registers the connector and waits until it and its task are RUNNING; a FAILED task throws its trace. */
export async function startConnector(
  connector: FidelityConnector,
  config: Readonly<Record<string, string>>,
): Promise<void> {
  const connectUrl = stack().CONNECT_URL;
  await registerConnector(connectUrl, { name: connector.name, config });
  const deadline = Date.now() + CONNECTOR_RUNNING_TIMEOUT_MS;
  for (;;) {
    const status = await connectorStatus(connectUrl, connector.name);
    const failure = status === undefined ? undefined : failureOf(status);
    if (failure !== undefined) throw new Error(`connector ${connector.name} FAILED: ${failure}`);
    if (status !== undefined && isRunning(status)) return;
    if (Date.now() > deadline) throw new Error(`connector ${connector.name} not RUNNING after 60 s`);
    await sleep(POLL_MS);
  }
}

/** Throws when the connector or its task has failed since it started (a poisoned value, a lost slot). */
export async function assertConnectorRunning(connector: FidelityConnector): Promise<void> {
  const status = await connectorStatus(stack().CONNECT_URL, connector.name);
  const failure = status === undefined ? 'not registered' : failureOf(status);
  if (failure !== undefined) throw new Error(`connector ${connector.name}: ${failure}`);
}

/** Creates the topics up front: with room for large messages, and so a consumer can subscribe before the first change. */
export async function createTopics(topics: readonly string[]): Promise<void> {
  await createReadyTopics(
    'fidelity-admin',
    topics.map((topic) => ({
      topic,
      numPartitions: 1,
      replicationFactor: 1,
      configEntries: [{ name: 'max.message.bytes', value: String(MAX_MESSAGE_BYTES) }],
    })),
  );
}

/** The end offset (next offset to be written) of partition 0 of each topic. */
export async function endOffsets(topics: readonly string[]): Promise<Map<string, bigint>> {
  const admin = kafkaClient('fidelity-admin').admin();
  await admin.connect();
  try {
    const ends = new Map<string, bigint>();
    for (const topic of topics) {
      const partitions = await admin.fetchTopicOffsets(topic);
      ends.set(
        topic,
        partitions.reduce((sum, { high }) => sum + BigInt(high), 0n),
      );
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** What the group has committed on each topic (summed over partitions; -1 when nothing yet). */
export async function committedOffsets(
  groupId: string,
  topics: readonly string[],
): Promise<Map<string, bigint>> {
  const admin = kafkaClient('fidelity-admin').admin();
  await admin.connect();
  try {
    const committed = new Map<string, bigint>();
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...topics] })) {
      committed.set(
        topic,
        partitions.reduce((sum, { offset }) => (offset === '-1' ? sum : sum + BigInt(offset)), 0n),
      );
    }
    return committed;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Removes everything of a run, each step on its own so that one failure does not leave the rest
 * behind: connectors, then (once released) their slots, publications, the schema in both
 * databases, the topics and the consumer groups. Missing objects are fine (idempotent).
 * Resolves with what went wrong, for the caller to report.
 */
export async function teardownRun(run: FidelityRun): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, work: () => Promise<unknown>): Promise<void> => {
    try {
      await work();
    } catch (error) {
      problems.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const connectors = Object.values(connectorsOf(run));
  for (const connector of connectors) {
    await attempt(`delete connector ${connector.name}`, () =>
      deleteConnector(stack().CONNECT_URL, connector.name),
    );
  }
  await attempt('drop replication slots and publications', () =>
    source(async (db) => {
      for (const connector of connectors) {
        await dropSlotWhenReleased(db, connector.slot);
        await db.query(`DROP PUBLICATION IF EXISTS ${pg.escapeIdentifier(connector.publication)}`);
      }
    }),
  );
  const dropSchema = `DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(run.schema)} CASCADE`;
  await attempt('drop the source schema', () => source((db) => db.query(dropSchema)));
  await attempt('drop the target schema', () => target((db) => db.query(dropSchema)));
  await attempt('delete topics and consumer groups', () => deleteKafkaObjects(run, connectors));
  return problems;
}

async function dropSlotWhenReleased(db: pg.Client, slot: string): Promise<void> {
  const deadline = Date.now() + SLOT_RELEASE_TIMEOUT_MS;
  for (;;) {
    const { rows } = await db.query<{ active: boolean }>(
      'SELECT active FROM pg_catalog.pg_replication_slots WHERE slot_name = $1',
      [slot],
    );
    if (rows.length === 0) return;
    if (rows[0]?.active === false) {
      await db.query('SELECT pg_catalog.pg_drop_replication_slot($1)', [slot]);
      return;
    }
    if (Date.now() > deadline)
      throw new Error(`slot ${slot} still active after ${SLOT_RELEASE_TIMEOUT_MS} ms`);
    await sleep(POLL_MS);
  }
}

/** Longer than any session timeout the tests give their services. */
const GROUP_DELETE_WAIT_MS = 45_000;

async function deleteKafkaObjects(run: FidelityRun, connectors: readonly FidelityConnector[]): Promise<void> {
  const admin = kafkaClient('fidelity-admin').admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) =>
      connectors.some((connector) => topic.startsWith(`${connector.topicPrefix}.`)),
    );
    if (topics.length > 0) await admin.deleteTopics({ topics });
    // A member a test killed holds its group until its session times out: until then the broker
    // refuses to delete it (non-empty group), so try again for a while.
    const deadline = Date.now() + GROUP_DELETE_WAIT_MS;
    for (;;) {
      const { groups } = await admin.listGroups();
      const ours = groups.map(({ groupId }) => groupId).filter((id) => id.startsWith(run.groupPrefix));
      if (ours.length === 0) break;
      try {
        await admin.deleteGroups(ours);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Tears down the runs that were killed before their own teardown: a schema, slot or connector of
 * this test whose suffix is older than an hour. A run still going is never that old.
 */
export async function sweepStaleRuns(now = Date.now()): Promise<void> {
  const suffixes = new Set<string>();
  const collect = (name: string, prefix: string): void => {
    const suffix = name.slice(prefix.length).split(/[_-]/)[0] ?? '';
    const match = name.startsWith(prefix) ? SUFFIX.exec(suffix) : null;
    if (match?.[1] !== undefined && now - parseInt(match[1], 36) > STALE_RUN_MS) suffixes.add(suffix);
  };
  const schemas = `SELECT nspname AS name FROM pg_catalog.pg_namespace WHERE nspname LIKE 'fidelity\\_%'`;
  await source(async (db) => {
    const { rows } = await db.query<{ name: string }>(
      `${schemas} UNION SELECT slot_name FROM pg_catalog.pg_replication_slots WHERE slot_name LIKE 'fidelity\\_%'`,
    );
    for (const { name } of rows) collect(name, 'fidelity_');
  });
  await target(async (db) => {
    for (const { name } of (await db.query<{ name: string }>(schemas)).rows) collect(name, 'fidelity_');
  });
  const response = await fetch(`${stack().CONNECT_URL}/connectors`);
  const names = response.ok ? ((await response.json()) as string[]) : [];
  for (const name of names) collect(name, 'fidelity-');
  for (const suffix of suffixes) await teardownRun(runOf(suffix));
}

/** A Debezium change event as read back from Kafka for inspection (JSON.parse: ids and strings only). */
export interface TopicEvent {
  readonly offset: string;
  readonly key: Readonly<Record<string, unknown>> | null;
  readonly op: string | null;
  readonly snapshot: string | null;
  readonly after: Readonly<Record<string, unknown>> | null;
}

/**
 * Reads a topic from the beginning, with a group of the run (removed at teardown), until `done`
 * says the events are enough or the timeout passes (then returns what it has, for the assertion).
 */
export async function readTopic(
  topic: string,
  groupId: string,
  done: (events: readonly TopicEvent[]) => boolean,
  timeoutMs = 30_000,
): Promise<TopicEvent[]> {
  const messages = await collectMessages(topic, (read) => done(read.map(topicEvent)), { groupId, timeoutMs });
  return messages.map(topicEvent);
}

/** A change event of the topic, with just what the assertions look at. */
function topicEvent(message: KafkaMessage): TopicEvent {
  const unwrap = (buffer: Buffer | null): Record<string, unknown> | null =>
    buffer === null
      ? null
      : ((JSON.parse(buffer.toString('utf8')) as { payload: Record<string, unknown> }).payload ?? null);
  const value = unwrap(message.value);
  const source = (value?.['source'] ?? null) as { snapshot?: string } | null;
  return {
    offset: message.offset,
    key: unwrap(message.key),
    op: typeof value?.['op'] === 'string' ? value['op'] : null,
    snapshot: source?.snapshot ?? null,
    after: (value?.['after'] ?? null) as Record<string, unknown> | null,
  };
}
