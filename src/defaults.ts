/**
 * Every tunable default of the project, in one place. The operators, the pipeline assembly, the
 * configuration (src/config.ts), `--help` and the README's configuration table all read these, so
 * a default is changed here and nowhere else. This module imports nothing: any layer may read it.
 */

/**
 * Parallel flush lanes. Measured on a 2-core machine (npm run bench), 2 lanes drain 15–20% faster
 * than 1, 3 or 4: each flush has a fixed cost in the pipeline and in PostgreSQL, so more lanes
 * only pay off when the target has cores to spare.
 */
export const DEFAULT_LANES = 2;

/** When a lane's batch is flushed: whichever limit is reached first (0 turns a limit off). */
export const DEFAULT_BATCH = {
  /** Changes in one batch. */
  maxSize: 5000,
  /** Kafka record bytes in one batch: 8 MiB. */
  maxBytes: 8 * 1024 * 1024,
  /** Time from a batch's first change to its flush. */
  maxWaitMs: 50,
} as const;

/** Largest run that `concatBatches` joins from waiting batches: the batch count limit. */
export const DEFAULT_JOINED_MAX_SIZE = DEFAULT_BATCH.maxSize;

/**
 * Retries of a transiently failed target write: capped exponential backoff with jitter, without
 * limit — the consumer keeps its partitions through a target outage, and PIPELINE_MAX_OUTAGE_S is
 * what bounds the wait.
 */
export const DEFAULT_RETRY = {
  /** Retries after the first attempt. */
  maxRetries: Infinity,
  /** Nominal delay before the first retry. */
  initialDelayMs: 200,
  /** Cap on any one delay: a part that is back is noticed within about this long. */
  maxDelayMs: 5000,
  /** Growth of the delay from one retry to the next. */
  multiplier: 2,
  /** Each delay is drawn from ±20% around its nominal value, as kafkajs does. */
  jitter: 0.2,
} as const;

/**
 * How far V8's old generation may grow past what its last full collection kept, in percent, while
 * the pipeline keeps up (src/heap-growth.ts lifts the bound while it drains a backlog). V8's own
 * choice is up to 300% for a small heap that collects fast: a 30-minute soak swung between 170 and
 * 220 MiB resident around a 20 MiB live heap; at 100% it held 154–168 MiB. Held during a drain,
 * the bound cost a fifth more CPU (npm run bench, quiet machine: 17.0–17.5 s against 14.1–14.3 s).
 */
export const DEFAULT_HEAP_GROWING_PERCENT = 100;

/**
 * The same bound while a backlog drains; 0, V8's own heuristics, by default. On a 1,000,000-message
 * drain (npm run bench, README's Benchmark) 150 held peak resident memory at 223–233 MB against
 * 253–260 MB, for 5–25% more CPU a message; 200 and 300 gained nothing measurable. For a memory
 * limit that a drain must stay under.
 */
export const DEFAULT_HEAP_GROWING_PERCENT_BEHIND = 0;

/** Records in flight (read, not yet durable) at which the source pauses fetching: bounds memory. */
export const DEFAULT_MAX_IN_FLIGHT = 20_000;

/**
 * The most bytes one fetch asks the broker for: kafkajs's own default, 10 MB (each partition still
 * gets at most 1 MB of it). Smaller fetches cost the broker: at 2 MB it spent 2.2 s of CPU on a
 * 200,000-message drain against 1.25 s, and the drain took longer. They saved little memory once
 * in-flight changes stopped holding the fetched responses (shared-schema-record.ts): a 1,000,000
 * message drain peaked at 255 MB with 2 MB and 253–260 MB with 10 MB (npm run bench, README).
 * At 1 MB the objects decoded from one response mostly die in the young generation, response and
 * all: a 200,000-message drain peaked at 160 MB against 255 on Node 20 (237 against 293 on Node
 * 24), for 12% more time on Node 20 and 5% on Node 24; a 1,000,000-message drain still peaked at
 * 252 and 288 MB (stop 24). A setting for short catch-ups under a memory limit, not the default.
 */
export const DEFAULT_FETCH_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Kafka group session timeout: how long a crashed member holds its partitions. Short, so a
 * restarted pipeline takes over quickly; the broker only accepts values in SESSION_TIMEOUT_RANGE_MS.
 */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

/**
 * The broker's default group.min.session.timeout.ms and group.max.session.timeout.ms: a join with
 * a session timeout outside them is refused (INVALID_SESSION_TIMEOUT).
 */
export const SESSION_TIMEOUT_RANGE_MS = { min: 6000, max: 1_800_000 } as const;

/** How often the service logs its progress line. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 5000;

/** The consumer group the service commits its offsets under. */
export const DEFAULT_GROUP_ID = 'cdc-pipeline';

/** Debezium's topic.prefix in debezium-config/postgres-connector.json. */
export const DEFAULT_TOPIC_PREFIX = 'dbserver1';

/**
 * The topics the service applies: every table of every schema, `dbserver1.<schema>.<table>` (issue
 * 12: a table outside public is applied like any other). Debezium's own topics under the prefix
 * have one part after it (`dbserver1.message`, `dbserver1.transaction`) and do not match.
 */
export const DEFAULT_TOPIC_PATTERN = /^dbserver1\.[^.]+\.[^.]+$/;

/** What a change does with a source column the target table lacks. */
export const UNKNOWN_COLUMN_POLICIES = ['ignore', 'dead-letter'] as const;
export const DEFAULT_UNKNOWN_COLUMNS: (typeof UNKNOWN_COLUMN_POLICIES)[number] = 'ignore';

/**
 * How long the stale-write guard keeps a deleted key's tombstone (src/sinks/deleted-keys.ts):
 * Kafka's default log.retention.hours, past which a topic no longer holds the older changes.
 */
export const DEFAULT_DELETED_KEYS_RETENTION_H = 168;

/**
 * What the sink may do to the target's tables (src/sinks/schema-evolution.ts): nothing, create a
 * missing table, or also add the columns an event has and the table lacks. Never a drop or a
 * narrowing. The default creates: a missing table otherwise dead-letters every change of it, and
 * the table made from the propagated source types (column.propagate.source.type) is exact, unlike
 * the peers' tables made from Connect types, which is why they default to off. Adding columns to a
 * table that exists stays opt-in: a table someone made may leave a source column out on purpose
 * (PIPELINE_UNKNOWN_COLUMNS=ignore honours that).
 */
export const SCHEMA_EVOLUTION_MODES = ['none', 'create', 'create-and-add-columns'] as const;
export const DEFAULT_SCHEMA_EVOLUTION: (typeof SCHEMA_EVOLUTION_MODES)[number] = 'create';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export const DEFAULT_LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';
/** `auto`: human-readable lines on a terminal (when pino-pretty is installed), JSON otherwise. */
export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export const DEFAULT_LOG_FORMAT: (typeof LOG_FORMATS)[number] = 'auto';

/**
 * Where the native development stack listens: the seed demo's ports + 10000 (source 5432 → 15432,
 * target 5433 → 15433, Kafka 9092 → 19092, Connect 8083 → 18083), clear of a PostgreSQL or Kafka
 * already running on the machine. Each moves with its CDC_*_PORT variable (src/connection.ts).
 */
export const DEFAULT_PORTS = {
  source: 15432,
  target: 15433,
  kafka: 19092,
  kafkaController: 19093,
  connect: 18083,
} as const;

/**
 * The service's /metrics, /livez and /readyz port: 9464 (the port OpenTelemetry's Prometheus
 * exporter uses) + 10000, like every port of the native stack. 0 turns the endpoint off.
 */
export const DEFAULT_METRICS_PORT = 19_464;
/** All interfaces: Prometheus and the kubelet scrape the service from elsewhere. */
export const DEFAULT_METRICS_HOST = '0.0.0.0';

/** The native stack's host, user, password and database names. */
export const STACK_HOST = '127.0.0.1';
export const STACK_DATABASE_USER = 'postgres';
export const STACK_DATABASE_PASSWORD = 'postgres';
export const STACK_SOURCE_DATABASE = 'sourcedb';
export const STACK_TARGET_DATABASE = 'targetdb';

/** The Debezium connector's name in debezium-config/postgres-connector.json. */
export const DEFAULT_CONNECTOR_NAME = 'postgres-connector';

/** How long an outage of the broker or the target may last before the service gives up (0 = no limit). */
export const DEFAULT_MAX_OUTAGE_S = 0;

/**
 * How long a shutdown may take to flush and commit what is held. Past it the service leaves anyway:
 * what was not committed is read again at the next start and applied idempotently.
 */
export const DEFAULT_SHUTDOWN_TIMEOUT_S = 30;

/**
 * Restarts of the consumer after an outage: capped exponential backoff with jitter. The cap is short
 * because it is also how long the service may sit idle after Kafka is back (Kafka's own clients cap
 * reconnect.backoff.max.ms at 1 s); a try costs one connection attempt.
 */
export const DEFAULT_RESTART_BACKOFF = {
  initialDelayMs: 1000,
  maxDelayMs: 5000,
  multiplier: 2,
  jitter: 0.2,
} as const;

/** Where a consumer group with no committed offsets starts (src/new-group.ts). */
export const NEW_GROUP_STARTS = ['earliest-if-target-empty', 'earliest', 'latest'] as const;
export const DEFAULT_NEW_GROUP_START: (typeof NEW_GROUP_STARTS)[number] = 'earliest-if-target-empty';

/**
 * kafkajs' retries inside one session (a request, a connection): kafkajs' default grows its delay to
 * 30 s, so a session would notice Kafka's return up to 30 s late. Capped like the restarts.
 */
export const KAFKA_CLIENT_RETRY = { initialRetryTime: 300, maxRetryTime: 5000, retries: 5 } as const;

/** How the service delivers (src/sinks/positions.ts): effectively-once unless told otherwise. */
export const DELIVERY_MODES = ['effectively-once', 'at-least-once'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];
export const DEFAULT_DELIVERY: DeliveryMode = 'effectively-once';

/**
 * What the target may show between flushes (issue 13): `key` keeps each row's changes in order and
 * runs keys in parallel lanes; `transaction` applies whole source transactions in commit order.
 */
export const CONSISTENCY_MODES = ['key', 'transaction'] as const;
export type ConsistencyMode = (typeof CONSISTENCY_MODES)[number];
export const DEFAULT_CONSISTENCY: ConsistencyMode = 'key';

/**
 * Changes of one source transaction held before it is applied in pieces (transaction consistency):
 * half the default high-water mark, so the oldest transaction always fits beside what is in flight.
 */
export const DEFAULT_TRANSACTION_MAX_CHANGES = 10_000;
