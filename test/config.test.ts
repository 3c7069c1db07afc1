import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configHelp, configTable, TABLE_END, TABLE_START } from '../src/config-docs.js';
import { boolean } from '../src/config-values.js';
import { CONFIG_SPEC, loadConfig } from '../src/config.js';
import { DEFAULT_BATCH, DEFAULT_LANES, DEFAULT_MAX_IN_FLIGHT } from '../src/defaults.js';
import { ConfigError } from '../src/errors.js';

/** The one line loadConfig gives for `env`, or the test fails. */
function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('pipeline configuration', () => {
  it('reaches the native stack with no variables set, with the defaults of src/defaults.ts', () => {
    const config = loadConfig({});
    expect(config.KAFKA_BROKERS).toBe('127.0.0.1:19092');
    expect(config.TARGET_DATABASE_URL).toBe('postgres://postgres:postgres@127.0.0.1:15433/targetdb');
    expect(config.PIPELINE_TOPIC_PATTERN.test('dbserver1.public.users')).toBe(true);
    // Every schema (issue 12); Debezium's own topics under the prefix are not tables.
    expect(config.PIPELINE_TOPIC_PATTERN.test('dbserver1.inventory.products')).toBe(true);
    expect(config.PIPELINE_TOPIC_PATTERN.test('dbserver1.message')).toBe(false);
    expect(config.PIPELINE_TOPIC_PATTERN.test('dbserver2.public.users')).toBe(false);
    expect(config.PIPELINE_TOPIC_PATTERN.test('__debezium-notification.dbserver1')).toBe(false);
    expect(config.PIPELINE_SCHEMA_EVOLUTION).toBe('create');
    expect(config.PIPELINE_LANES).toBe(DEFAULT_LANES);
    expect(config.PIPELINE_BATCH_MAX_SIZE).toBe(DEFAULT_BATCH.maxSize);
    expect(config.PIPELINE_MAX_IN_FLIGHT).toBe(DEFAULT_MAX_IN_FLIGHT);
  });

  it('moves the target and Kafka with CDC_TARGET_PORT and CDC_KAFKA_PORT; explicit URLs win', () => {
    const moved = loadConfig({ CDC_TARGET_PORT: '25433', CDC_KAFKA_PORT: '29092' });
    expect(moved.TARGET_DATABASE_URL).toBe('postgres://postgres:postgres@127.0.0.1:25433/targetdb');
    expect(moved.KAFKA_BROKERS).toBe('127.0.0.1:29092');
    const explicit = loadConfig({ CDC_TARGET_PORT: '25433', TARGET_DATABASE_URL: 'postgres://u@db:5432/x' });
    expect(explicit.TARGET_DATABASE_URL).toBe('postgres://u@db:5432/x');
    expect(refusal({ CDC_TARGET_PORT: 'x' })).toBe(
      'CDC_TARGET_PORT=x: not a TCP port; accepted: a whole number from 1 to 65535',
    );
  });

  it('gives one line per bad variable: its name, its value and what is accepted', () => {
    const message = refusal({
      PIPELINE_LANES: '0',
      PIPELINE_UNKNOWN_COLUMNS: 'maybe',
      PIPELINE_TOPIC_PATTERN: '(',
    });
    expect(message.split('\n')).toEqual([
      'PIPELINE_TOPIC_PATTERN=(: not a valid regular expression (Invalid regular expression: /(/: Unterminated group); accepted: a JavaScript regular expression',
      'PIPELINE_LANES=0: out of range; accepted: a whole number, 1 or more',
      'PIPELINE_UNKNOWN_COLUMNS=maybe: not a known value; accepted: one of ignore, dead-letter',
    ]);
  });

  it('takes only true and false for a boolean, never yes or 1', () => {
    expect(boolean.parse('true')).toBe(true);
    expect(boolean.parse('false')).toBe(false);
    for (const spelling of ['yes', '1', 'TRUE', 'on'])
      expect(() => boolean.parse(spelling)).toThrow('not a boolean');
    expect(boolean.accepts).toBe('true or false');
  });

  it('refuses PIPELINE_FROM_BEGINNING (any spelling) and names what replaced it, with its accepted values', () => {
    expect(refusal({ PIPELINE_FROM_BEGINNING: 'yes' })).toBe(
      'PIPELINE_FROM_BEGINNING=yes: replaced by PIPELINE_NEW_GROUP_START; accepted there: earliest-if-target-empty, earliest, latest',
    );
  });

  it("refuses a session timeout outside the broker's default range (6000–1800000)", () => {
    expect(refusal({ PIPELINE_SESSION_TIMEOUT_MS: '1000' })).toBe(
      'PIPELINE_SESSION_TIMEOUT_MS=1000: out of range; accepted: a whole number, from 6000 to 1800000',
    );
    expect(() => loadConfig({ PIPELINE_SESSION_TIMEOUT_MS: '1800001' })).toThrow(ConfigError);
    expect(loadConfig({ PIPELINE_SESSION_TIMEOUT_MS: '6000' }).PIPELINE_SESSION_TIMEOUT_MS).toBe(6000);
  });

  it('refuses PIPELINE_MAX_IN_FLIGHT=0: the backpressure mark is at least one record', () => {
    expect(refusal({ PIPELINE_MAX_IN_FLIGHT: '0' })).toBe(
      'PIPELINE_MAX_IN_FLIGHT=0: out of range; accepted: a whole number, 1 or more',
    );
  });

  it('asks for 10 MB a fetch by default, as kafkajs does, and refuses a fetch under 1 KB', () => {
    expect(loadConfig({}).PIPELINE_FETCH_MAX_BYTES).toBe(10 * 1024 * 1024);
    expect(loadConfig({ PIPELINE_FETCH_MAX_BYTES: '2097152' }).PIPELINE_FETCH_MAX_BYTES).toBe(2_097_152);
    expect(refusal({ PIPELINE_FETCH_MAX_BYTES: '512' })).toBe(
      'PIPELINE_FETCH_MAX_BYTES=512: out of range; accepted: a whole number, 1024 or more',
    );
  });

  it('refuses a broker list entry without host:port at load time', () => {
    expect(refusal({ KAFKA_BROKERS: 'nohostport' })).toBe(
      'KAFKA_BROKERS=nohostport: entry "nohostport" is not host:port; accepted: comma-separated host:port entries',
    );
    expect(refusal({ KAFKA_BROKERS: 'a:9092,b:99999' })).toContain('entry "b:99999" is not host:port');
    expect(loadConfig({ KAFKA_BROKERS: 'a:9092, b:9093' }).KAFKA_BROKERS).toBe('a:9092,b:9093');
  });

  it('refuses a target URL that is not postgres://', () => {
    expect(refusal({ TARGET_DATABASE_URL: 'mysql://x/y' })).toBe(
      'TARGET_DATABASE_URL=mysql://x/y: not a postgres: or postgresql: URL; accepted: a URL (postgres://… or postgresql://…)',
    );
  });

  it('accepts no Debezium loss by default, and only losses it knows by name', () => {
    expect(loadConfig({}).PIPELINE_ACCEPT_LOSSES).toEqual([]);
    expect(loadConfig({}).PIPELINE_INCLUDE_UNKNOWN_DATATYPES).toBe(false);
    expect(
      loadConfig({ PIPELINE_ACCEPT_LOSSES: 'timetz-offset, varbit-length' }).PIPELINE_ACCEPT_LOSSES,
    ).toEqual(['timetz-offset', 'varbit-length']);
    expect(() => loadConfig({ PIPELINE_ACCEPT_LOSSES: 'timetz-offset,everything' })).toThrow(
      /PIPELINE_ACCEPT_LOSSES=timetz-offset,everything: "everything" is not one of timetz-offset, varbit-length/,
    );
  });

  it('refuses a batch policy with no limit at all', () => {
    expect(
      refusal({
        PIPELINE_BATCH_MAX_SIZE: '0',
        PIPELINE_BATCH_MAX_BYTES: '0',
        PIPELINE_BATCH_MAX_WAIT_MS: '0',
      }),
    ).toMatch(/all 0: set at least one limit$/);
  });

  it('parses explicit routes and refuses malformed ones', () => {
    expect(loadConfig({ PIPELINE_TABLE_MAP: 'a.b.c=public.t1, x=s.t2' }).PIPELINE_TABLE_MAP).toEqual({
      'a.b.c': 'public.t1',
      x: 's.t2',
    });
    expect(refusal({ PIPELINE_TABLE_MAP: 'only-a-topic' })).toContain(
      'entry "only-a-topic" is not topic=schema.table',
    );
  });

  it('lists every variable with what it accepts and its default in --help', () => {
    const help = configHelp();
    for (const [name, spec] of Object.entries(CONFIG_SPEC)) {
      expect(help).toContain(name);
      expect(help).toContain(`accepts: ${spec.accepts}; default: ${spec.shownDefault}`);
    }
  });
});

describe('README configuration table', () => {
  it('is the table generated from CONFIG_SPEC (npm run docs:config rewrites it)', () => {
    const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    expect(start, `README.md lacks ${TABLE_START}`).toBeGreaterThan(0);
    expect(readme.slice(start + TABLE_START.length, end).trim()).toBe(configTable());
  });
});
