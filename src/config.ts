/**
 * The service's configuration, from environment variables. Adding a variable is one entry in
 * CONFIG_SPEC: `cdc-pipeline run --help`, the README's configuration table (npm run docs:config)
 * and validation all read it. Defaults come from src/defaults.ts and reach the native stack. A bad
 * value fails at start with one line per variable: its name, its value and what is accepted.
 */
import { resolveConnections } from './connection.js';
import { DEBEZIUM_LOSSES } from './debezium/losses.js';
import {
  hostPortList,
  boolean,
  oneOf,
  regex,
  subsetOf,
  tableMap,
  text,
  url,
  variable,
  wholeNumber,
  type Variable,
} from './config-values.js';
import {
  DEFAULT_BATCH,
  DEFAULT_DELIVERY,
  DELIVERY_MODES,
  CONSISTENCY_MODES,
  DEFAULT_CONSISTENCY,
  DEFAULT_TRANSACTION_MAX_CHANGES,
  DEFAULT_GROUP_ID,
  DEFAULT_LANES,
  DEFAULT_LOG_FORMAT,
  DEFAULT_LOG_LEVEL,
  DEFAULT_HEAP_GROWING_PERCENT,
  DEFAULT_HEAP_GROWING_PERCENT_BEHIND,
  DEFAULT_FETCH_MAX_BYTES,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_MAX_OUTAGE_S,
  DEFAULT_METRICS_HOST,
  DEFAULT_METRICS_PORT,
  DEFAULT_NEW_GROUP_START,
  DEFAULT_SHUTDOWN_TIMEOUT_S,
  NEW_GROUP_STARTS,
  DEFAULT_PROGRESS_INTERVAL_MS,
  DEFAULT_RETRY,
  DEFAULT_SESSION_TIMEOUT_MS,
  DEFAULT_TOPIC_PATTERN,
  DEFAULT_TOPIC_PREFIX,
  DEFAULT_UNKNOWN_COLUMNS,
  DEFAULT_DELETED_KEYS_RETENTION_H,
  DEFAULT_SCHEMA_EVOLUTION,
  SCHEMA_EVOLUTION_MODES,
  LOG_FORMATS,
  LOG_LEVELS,
  SESSION_TIMEOUT_RANGE_MS,
  UNKNOWN_COLUMN_POLICIES,
} from './defaults.js';
import { ConfigError } from './errors.js';
import { securityProblems } from './security/problems.js';
import { redactUrl } from './security/redact.js';
import { SECURITY_VARIABLES } from './security/variables.js';

const NATIVE = resolveConnections({});

export const CONFIG_SPEC = {
  KAFKA_BROKERS: variable(hostPortList, {
    default: NATIVE.KAFKA_BROKERS,
    doc: 'Kafka bootstrap servers (default: the native stack, on CDC_KAFKA_PORT when set)',
    defaultFrom: (env) => resolveConnections(env).KAFKA_BROKERS,
  }),
  TARGET_DATABASE_URL: variable(
    { ...url(['postgres:', 'postgresql:']), show: redactUrl, redact: redactUrl },
    {
      default: NATIVE.TARGET_DATABASE_URL,
      doc: 'Target PostgreSQL (default: the native stack, on CDC_TARGET_PORT when set); sslmode=require, verify-ca or verify-full in it turns TLS on (see Secure connections)',
      defaultFrom: (env) => resolveConnections(env).TARGET_DATABASE_URL,
    },
  ),
  // TLS and SASL to Kafka, TLS and password files for the databases (src/security/variables.ts).
  ...SECURITY_VARIABLES,
  PIPELINE_TOPIC_PATTERN: variable(regex, {
    default: DEFAULT_TOPIC_PATTERN,
    doc: 'The Debezium topics to apply; new matching topics are picked up while running',
  }),
  PIPELINE_TOPIC_PREFIX: variable(text, {
    default: DEFAULT_TOPIC_PREFIX,
    doc: "Debezium's topic.prefix: <prefix>.<schema>.<table> is applied to <schema>.<table>",
  }),
  PIPELINE_TABLE_MAP: variable(tableMap, {
    default: {},
    doc: 'Explicit routes that win over the default',
  }),
  PIPELINE_GROUP_ID: variable(text, {
    default: DEFAULT_GROUP_ID,
    doc: 'Kafka consumer group; offsets are committed under it',
  }),
  PIPELINE_NEW_GROUP_START: variable(oneOf(NEW_GROUP_STARTS), {
    default: DEFAULT_NEW_GROUP_START,
    doc: 'Where a consumer group with no committed offsets starts: from the earliest offset only when the target tables are empty (else it refuses and says why), from the earliest offset anyway (a full replay), or at the end',
  }),
  PIPELINE_DELIVERY: variable(oneOf(DELIVERY_MODES), {
    default: DEFAULT_DELIVERY,
    doc: "effectively-once: positions kept in the target in each flush's transaction, stale owners fenced off, changes read again never applied twice; at-least-once: Kafka commits only (replays applied again, idempotently)",
  }),
  PIPELINE_CONSISTENCY: variable(oneOf(CONSISTENCY_MODES), {
    default: DEFAULT_CONSISTENCY,
    doc: "key: a row's changes in order, keys in parallel lanes; transaction: whole source transactions in commit order, one lane (needs provide.transaction.metadata=true)",
  }),
  PIPELINE_TRANSACTION_MAX_CHANGES: variable(wholeNumber({ min: 0, off: 'never split' }), {
    default: DEFAULT_TRANSACTION_MAX_CHANGES,
    doc: 'Transaction consistency: a source transaction with more changes is applied in pieces (readers may then see part of it)',
  }),
  PIPELINE_LANES: variable(wholeNumber({ min: 1 }), {
    default: DEFAULT_LANES,
    doc: 'Parallel flush lanes; one key always maps to the same lane (about the cores the target can give)',
  }),
  PIPELINE_BATCH_MAX_SIZE: variable(wholeNumber({ min: 0, off: 'no count limit' }), {
    default: DEFAULT_BATCH.maxSize,
    doc: 'Flush a lane after this many changes',
  }),
  PIPELINE_BATCH_MAX_BYTES: variable(wholeNumber({ min: 0, off: 'no byte limit' }), {
    default: DEFAULT_BATCH.maxBytes,
    doc: 'Flush a lane after this many record bytes',
  }),
  PIPELINE_BATCH_MAX_WAIT_MS: variable(wholeNumber({ min: 0, off: 'no time limit' }), {
    default: DEFAULT_BATCH.maxWaitMs,
    doc: 'Flush a lane this long after its first held change',
  }),
  PIPELINE_SESSION_TIMEOUT_MS: variable(wholeNumber(SESSION_TIMEOUT_RANGE_MS), {
    default: DEFAULT_SESSION_TIMEOUT_MS,
    doc: "Kafka group session timeout: how long a crashed pipeline holds its partitions (the broker's default range)",
  }),
  PIPELINE_MAX_IN_FLIGHT: variable(wholeNumber({ min: 1 }), {
    default: DEFAULT_MAX_IN_FLIGHT,
    doc: 'Pause fetching above this many unflushed records: the backpressure mark that bounds memory',
  }),
  PIPELINE_FETCH_MAX_BYTES: variable(wholeNumber({ min: 1024 }), {
    default: DEFAULT_FETCH_MAX_BYTES,
    doc: 'The most bytes one fetch asks the broker for (each partition at most 1 MB of it; a larger first record still comes whole): 1048576 lets most fetched responses be freed young, for a lower peak in a short catch-up at some 5–12% more CPU (README, Benchmark)',
  }),
  PIPELINE_HEAP_GROWING_PERCENT: variable(wholeNumber({ min: 0, off: "V8's own heuristics" }), {
    default: DEFAULT_HEAP_GROWING_PERCENT,
    doc: "How far V8's heap may grow past what the last full collection kept, in percent, while the pipeline keeps up: keeps resident memory flat (V8's own heuristics let it grow to several times that); lifted while a backlog drains",
  }),
  PIPELINE_HEAP_GROWING_PERCENT_BEHIND: variable(wholeNumber({ min: 0, off: "V8's own heuristics" }), {
    default: DEFAULT_HEAP_GROWING_PERCENT_BEHIND,
    doc: 'The same bound while a backlog drains (with PIPELINE_HEAP_GROWING_PERCENT not 0): 150 held a 1,000,000-message drain at 223-233 MB resident instead of 253-260, for 5-25% more CPU',
  }),
  PIPELINE_UNKNOWN_COLUMNS: variable(oneOf(UNKNOWN_COLUMN_POLICIES), {
    default: DEFAULT_UNKNOWN_COLUMNS,
    doc: 'A source column missing in the target: ignore it with a warning, or dead-letter the change',
  }),
  PIPELINE_SCHEMA_EVOLUTION: variable(oneOf(SCHEMA_EVOLUTION_MODES), {
    default: DEFAULT_SCHEMA_EVOLUTION,
    doc: 'Target tables the pipeline makes from the propagated source column types: none; create a missing table (with its schema); or also add the columns an event has and the table lacks. Never drops or narrows anything',
  }),
  PIPELINE_SOURCE_POSITION_COLUMN: variable(text, {
    default: '',
    doc: "Stale-write guard: a target table with this bigint[] column stores each row's source position there and takes only newer changes; deleted keys leave a tombstone (see Effectively-once). Unset: off",
  }),
  PIPELINE_DELETED_KEYS_RETENTION_H: variable(wholeNumber({ min: 1 }), {
    default: DEFAULT_DELETED_KEYS_RETENTION_H,
    doc: "Stale-write guard: hours a deleted key's tombstone (public.cdc_deleted_keys) is kept; at least as long as the topics keep their changes (retention.ms)",
  }),
  PIPELINE_ACCEPT_LOSSES: variable(subsetOf(DEBEZIUM_LOSSES), {
    default: [],
    doc: 'Debezium losses to write rather than dead-letter (see docs/data-fidelity.md): a timetz moved to UTC, a varbit padded to its declared length',
  }),
  PIPELINE_INCLUDE_UNKNOWN_DATATYPES: variable(boolean, {
    default: false,
    doc: 'The connector sets include.unknown.datatypes=true (the shipped one does): a streamed null in a name column is then a real NULL, not refused',
  }),
  PIPELINE_MAX_OUTAGE_S: variable(wholeNumber({ min: 0, off: 'wait without limit' }), {
    default: DEFAULT_MAX_OUTAGE_S,
    doc: 'How long Kafka or the target may stay unreachable before the service gives up and exits non-zero; until then it waits and retries',
  }),
  PIPELINE_SHUTDOWN_TIMEOUT_S: variable(wholeNumber({ min: 1 }), {
    default: DEFAULT_SHUTDOWN_TIMEOUT_S,
    doc: 'After SIGINT/SIGTERM, how long flushing and committing what is held may take before the service leaves anyway (what is not committed is read again at the next start)',
  }),
  PIPELINE_PID_FILE: variable(text, {
    default: '',
    doc: 'When set, the service writes its process id here (and removes it on exit): stop it with kill -TERM $(cat <file>)',
  }),
  PIPELINE_RETRY_INITIAL_MS: variable(wholeNumber({ min: 0 }), {
    default: DEFAULT_RETRY.initialDelayMs,
    doc: 'First delay before retrying a target write that failed transiently; doubles each retry, with jitter',
  }),
  PIPELINE_RETRY_MAX_MS: variable(wholeNumber({ min: 0 }), {
    default: DEFAULT_RETRY.maxDelayMs,
    doc: 'Cap of the retry delay',
  }),
  PIPELINE_PROGRESS_INTERVAL_MS: variable(wholeNumber({ min: 0, off: 'never' }), {
    default: DEFAULT_PROGRESS_INTERVAL_MS,
    doc: 'How often the progress line is logged',
  }),
  PIPELINE_METRICS_PORT: variable(wholeNumber({ min: 0, max: 65_535, off: 'no endpoint' }), {
    default: DEFAULT_METRICS_PORT,
    doc: 'Port of /metrics (Prometheus), /livez and /readyz; a port in use is logged and the service runs without them',
  }),
  PIPELINE_METRICS_HOST: variable(text, {
    default: DEFAULT_METRICS_HOST,
    doc: 'Address the metrics and health endpoint binds (127.0.0.1 keeps it on this machine)',
  }),
  LOG_LEVEL: variable(oneOf(LOG_LEVELS), { default: DEFAULT_LOG_LEVEL, doc: 'Log level' }),
  LOG_FORMAT: variable(oneOf(LOG_FORMATS), {
    default: DEFAULT_LOG_FORMAT,
    doc: 'auto: readable lines on a terminal when pino-pretty is installed, else JSON; pretty falls back to JSON with a note when it cannot',
  }),
} satisfies Record<string, Variable<unknown>>;

/**
 * Variables that are gone, with what replaced them: set anyway, they stop the start instead of
 * being ignored, so an old deployment does not run with a setting it no longer gets.
 */
const RETIRED_VARIABLES: Readonly<Record<string, string>> = {
  PIPELINE_FROM_BEGINNING: `replaced by PIPELINE_NEW_GROUP_START; accepted there: ${NEW_GROUP_STARTS.join(', ')}`,
  PIPELINE_RETRY_MAX: 'removed: a transient target failure is retried until PIPELINE_MAX_OUTAGE_S',
};

export type ConfigName = keyof typeof CONFIG_SPEC;

export type PipelineConfig = {
  readonly [K in ConfigName]: (typeof CONFIG_SPEC)[K]['default'];
};

/** The problem with one variable, on one line. */
const problem = (name: string, raw: string, reason: string, accepts: string): string =>
  `${name}=${raw}: ${reason}; accepted: ${accepts}`;

/** Reads and checks every variable; throws one ConfigError listing each bad one, a line each. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): PipelineConfig {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(CONFIG_SPEC) as [string, Variable<unknown>][]) {
    const given = env[name];
    let raw: string | undefined;
    try {
      raw = given !== undefined && given !== '' ? given : spec.defaultFrom?.(env);
      values[name] = raw === undefined ? spec.default : spec.parse(raw);
    } catch (error) {
      // A ConfigError from a default's own variables (CDC_TARGET_PORT=x) already names them.
      problems.push(
        error instanceof ConfigError
          ? error.message
          : problem(name, spec.redact?.(raw ?? '') ?? raw ?? '', (error as Error).message, spec.accepts),
      );
    }
  }
  for (const [name, instead] of Object.entries(RETIRED_VARIABLES)) {
    if (env[name] !== undefined) problems.push(`${name}=${env[name]}: ${instead}`);
  }
  const config = values as PipelineConfig;
  if (
    problems.length === 0 &&
    config.PIPELINE_BATCH_MAX_SIZE === 0 &&
    config.PIPELINE_BATCH_MAX_BYTES === 0 &&
    config.PIPELINE_BATCH_MAX_WAIT_MS === 0
  ) {
    problems.push(
      'PIPELINE_BATCH_MAX_SIZE, PIPELINE_BATCH_MAX_BYTES and PIPELINE_BATCH_MAX_WAIT_MS are all 0: set at least one limit',
    );
  }
  if (problems.length === 0) problems.push(...securityProblems(config));
  // Two defaults resting on one bad CDC_*_PORT report it once.
  if (problems.length > 0) throw new ConfigError([...new Set(problems)].join('\n'));
  return config;
}
