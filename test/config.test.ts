import { describe, expect, it } from 'vitest';
import { CONFIG_SPEC, configHelp, loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('pipeline configuration', () => {
  it('reaches the native stack with no variables set', () => {
    const config = loadConfig({});
    expect(config.KAFKA_BROKERS).toBe('127.0.0.1:19092');
    expect(config.TARGET_DATABASE_URL).toBe('postgres://postgres:postgres@127.0.0.1:15433/targetdb');
    expect(config.PIPELINE_TOPIC_PATTERN.test('dbserver1.public.users')).toBe(true);
    expect(config.PIPELINE_TOPIC_PATTERN.test('dbserver1.other.users')).toBe(false);
  });

  it('names every invalid variable and what it allows', () => {
    const attempt = () =>
      loadConfig({ PIPELINE_LANES: '0', PIPELINE_UNKNOWN_COLUMNS: 'maybe', PIPELINE_TOPIC_PATTERN: '(' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PIPELINE_LANES=0: must be a whole number, 1 or more/);
    expect(attempt).toThrow(/PIPELINE_UNKNOWN_COLUMNS=maybe: .*\(allowed: ignore, dead-letter\)/);
    expect(attempt).toThrow(/PIPELINE_TOPIC_PATTERN=\(: is not a valid regular expression/);
  });

  it('refuses a batch policy with no limit at all', () => {
    expect(() =>
      loadConfig({
        PIPELINE_BATCH_MAX_SIZE: '0',
        PIPELINE_BATCH_MAX_BYTES: '0',
        PIPELINE_BATCH_MAX_WAIT_MS: '0',
      }),
    ).toThrow(/all 0: set at least one limit/);
  });

  it('parses explicit routes and refuses malformed ones', () => {
    expect(loadConfig({ PIPELINE_TABLE_MAP: 'a.b.c=public.t1, x=s.t2' }).PIPELINE_TABLE_MAP).toEqual({
      'a.b.c': 'public.t1',
      x: 's.t2',
    });
    expect(() => loadConfig({ PIPELINE_TABLE_MAP: 'only-a-topic' })).toThrow(
      /entry "only-a-topic" is not topic=schema.table/,
    );
  });

  it('lists every variable with its default in --help', () => {
    const help = configHelp();
    for (const name of Object.keys(CONFIG_SPEC)) expect(help).toContain(name);
    expect(help).toContain('default: 127.0.0.1:19092');
  });
});

describe('README configuration table', () => {
  it('documents every variable the pipeline reads', async () => {
    const fs = await import('node:fs');
    const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const missing = Object.keys(CONFIG_SPEC).filter(
      (name) => !new RegExp(`^\\| \`${name}\` +\\|`, 'm').test(readme),
    );
    expect(missing).toEqual([]);
  });
});
