/**
 * The pipeline's configuration, from environment variables. Every default reaches the native stack
 * (`npm run stack:up`); `npm run pipeline -- --help` prints this table. Invalid values fail at start
 * with a message naming the variable and what it allows.
 */
import { bool, cleanEnv, makeValidator, str, url, type Spec } from 'envalid';
import { ConfigError } from './errors.js';
import { DEFAULT_LANES } from './pipeline.js';

const positiveInt = makeValidator<number>((raw) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error('must be a whole number, 0 or more');
  return value;
});

const atLeastOne = makeValidator<number>((raw) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error('must be a whole number, 1 or more');
  return value;
});

const regex = makeValidator<RegExp>((raw) => {
  try {
    return new RegExp(raw);
  } catch (error) {
    throw new Error(`is not a valid regular expression (${(error as Error).message})`);
  }
});

/** `topic=schema.table,topic2=schema.table2` */
const tableMap = makeValidator<Record<string, string>>((raw) => {
  const map: Record<string, string> = {};
  for (const entry of raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [topic, table, extra] = entry.split('=');
    if (!topic || !table || extra !== undefined || !/^[^.]+\.[^.]+$/.test(table)) {
      throw new Error(`entry "${entry}" is not topic=schema.table`);
    }
    map[topic] = table;
  }
  return map;
});

export const CONFIG_SPEC = {
  KAFKA_BROKERS: str({
    default: '127.0.0.1:19092',
    desc: 'Kafka bootstrap servers, comma-separated host:port',
  }),
  TARGET_DATABASE_URL: url({
    default: 'postgres://postgres:postgres@127.0.0.1:15433/targetdb',
    desc: 'Target PostgreSQL connection URL',
  }),
  PIPELINE_TOPIC_PATTERN: regex({
    default: /^dbserver1\.public\..+$/,
    desc: 'Regular expression of the Debezium topics to apply (new matching topics are picked up while running)',
  }),
  PIPELINE_TOPIC_PREFIX: str({
    default: 'dbserver1',
    desc: "Debezium's topic.prefix: <prefix>.<schema>.<table> routes to <schema>.<table>",
  }),
  PIPELINE_TABLE_MAP: tableMap({
    default: {},
    desc: 'Explicit routes that win over the default: topic=schema.table,…',
  }),
  PIPELINE_GROUP_ID: str({
    default: 'cdc-pipeline',
    desc: 'Kafka consumer group id (offsets are committed under it)',
  }),
  PIPELINE_FROM_BEGINNING: bool({
    default: true,
    desc: 'A new consumer group starts at the earliest offset (true) or at the end (false)',
  }),
  PIPELINE_LANES: atLeastOne({
    default: DEFAULT_LANES,
    desc: 'Parallel flush lanes; one key always maps to the same lane (1 or more; about the cores the target can give)',
  }),
  PIPELINE_BATCH_MAX_SIZE: positiveInt({
    default: 5000,
    desc: 'Flush a lane after this many changes (0 = no count limit)',
  }),
  PIPELINE_BATCH_MAX_BYTES: positiveInt({
    default: 8 * 1024 * 1024,
    desc: 'Flush a lane after this many record bytes (0 = no byte limit)',
  }),
  PIPELINE_BATCH_MAX_WAIT_MS: positiveInt({
    default: 50,
    desc: 'Flush a lane this long after its first held change (0 = no time limit)',
  }),
  PIPELINE_SESSION_TIMEOUT_MS: positiveInt({
    default: 10_000,
    desc: 'Kafka group session timeout: how long a crashed pipeline holds its partitions (broker allows 6000–1800000)',
  }),
  PIPELINE_MAX_IN_FLIGHT: positiveInt({
    default: 20_000,
    desc: 'Pause Kafka fetching above this many unflushed records (bounds memory)',
  }),
  PIPELINE_UNKNOWN_COLUMNS: str({
    default: 'ignore',
    choices: ['ignore', 'dead-letter'],
    desc: 'A source column missing in the target: ignore it with a warning, or dead-letter the change',
  }),
  PIPELINE_RETRY_MAX: positiveInt({
    default: 10,
    desc: 'Retries of a flush that failed transiently (connection lost, deadlock, …)',
  }),
  PIPELINE_RETRY_INITIAL_MS: positiveInt({
    default: 200,
    desc: 'First retry delay; doubles each retry, with jitter',
  }),
  PIPELINE_RETRY_MAX_MS: positiveInt({ default: 10_000, desc: 'Cap of the retry delay' }),
  PIPELINE_PROGRESS_INTERVAL_MS: positiveInt({
    default: 5000,
    desc: 'How often the progress line is logged (0 = never)',
  }),
  LOG_LEVEL: str({
    default: 'info',
    choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'],
    desc: 'Log level',
  }),
  LOG_FORMAT: str({
    default: 'pretty',
    choices: ['pretty', 'json'],
    desc: 'Human-readable lines or one JSON object per line',
  }),
} satisfies Record<string, Spec<unknown>>;

export type PipelineConfig = {
  readonly [K in keyof typeof CONFIG_SPEC]: (typeof CONFIG_SPEC)[K] extends Spec<infer T> ? T : never;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PipelineConfig {
  const config = cleanEnv(env, CONFIG_SPEC, {
    reporter: ({ errors }) => {
      const problems = Object.entries(errors).map(([name, error]) => {
        const spec = CONFIG_SPEC[name as keyof typeof CONFIG_SPEC] as Spec<unknown>;
        const allowed = spec.choices
          ? ` (allowed: ${spec.choices.join(', ')})`
          : spec.desc
            ? ` (${spec.desc})`
            : '';
        return `${name}=${env[name] ?? ''}: ${(error as Error).message}${allowed}`;
      });
      if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
    },
  }) as unknown as PipelineConfig;
  if (
    config.PIPELINE_BATCH_MAX_SIZE === 0 &&
    config.PIPELINE_BATCH_MAX_BYTES === 0 &&
    config.PIPELINE_BATCH_MAX_WAIT_MS === 0
  ) {
    throw new ConfigError(
      'invalid configuration:\n  PIPELINE_BATCH_MAX_SIZE, PIPELINE_BATCH_MAX_BYTES and PIPELINE_BATCH_MAX_WAIT_MS are all 0: set at least one limit',
    );
  }
  return config;
}

/** The table `--help` prints: every variable, its default and what it does. */
export function configHelp(): string {
  const rows = Object.entries(CONFIG_SPEC).map(([name, spec]) => {
    const s = spec as Spec<unknown>;
    const fallback =
      s.default instanceof RegExp ? s.default.source : typeof s.default === 'object' ? '' : String(s.default);
    const choices = s.choices ? ` [${s.choices.join('|')}]` : '';
    return `  ${name.padEnd(30)} ${s.desc ?? ''}${choices}\n  ${''.padEnd(30)} default: ${fallback || '(none)'}`;
  });
  return `Environment variables:\n${rows.join('\n')}`;
}
