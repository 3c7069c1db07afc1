import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { OutageTooLongError } from '../src/errors.js';
import { OutageMonitor } from '../src/outage.js';

interface Line {
  readonly level: number;
  readonly msg: string;
  readonly part?: string;
  readonly downSeconds?: number;
}

const WARN = 40;
const INFO = 30;

/** A monitor with a clock the test moves and a logger whose lines the test reads. */
function monitor(options: { maxOutageMs?: number; reportEveryMs?: number } = {}) {
  const lines: Line[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Line) });
  let clock = 1_000_000;
  const outage = new OutageMonitor({
    logger,
    maxOutageMs: options.maxOutageMs ?? 0,
    reportEveryMs: options.reportEveryMs ?? 10_000,
    now: () => clock,
  });
  const advance = (ms: number): void => {
    clock += ms;
  };
  return { outage, lines, advance };
}

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('OutageMonitor', () => {
  it('reports the first failure with one warning', () => {
    const { outage, lines } = monitor();
    outage.failing('target', refused());
    expect(lines).toEqual([
      expect.objectContaining({
        level: WARN,
        part: 'target',
        msg: 'target PostgreSQL unreachable, retrying: connect ECONNREFUSED 127.0.0.1:5432',
      }),
    ]);
  });

  it('stays quiet about failures within reportEveryMs, then reports how long it has lasted', () => {
    const { outage, lines, advance } = monitor({ reportEveryMs: 10_000 });
    outage.failing('broker', refused());
    for (let i = 0; i < 30; i++) {
      advance(300);
      outage.failing('broker', refused());
    }
    expect(lines).toHaveLength(1);

    advance(1_000); // 10 s since the first report
    outage.failing('broker', refused());
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({
      level: WARN,
      part: 'broker',
      downSeconds: 10,
      msg: 'Kafka unreachable for 10 s, retrying: connect ECONNREFUSED 127.0.0.1:5432',
    });

    advance(5_000);
    outage.failing('broker', refused());
    expect(lines).toHaveLength(2);
    advance(5_000);
    outage.failing('broker', refused());
    expect(lines[2]).toMatchObject({ msg: expect.stringMatching(/^Kafka unreachable for 20 s, retrying/) });
  });

  it('gives up past maxOutageMs, naming PIPELINE_MAX_OUTAGE_S', () => {
    const { outage, advance } = monitor({ maxOutageMs: 60_000 });
    outage.failing('target', refused());
    advance(60_000);
    expect(() => outage.failing('target', refused())).not.toThrow();
    advance(1_000);
    let thrown: unknown;
    try {
      outage.failing('target', refused());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(OutageTooLongError);
    expect((thrown as Error).message).toBe(
      'target PostgreSQL unreachable for 61 s, longer than PIPELINE_MAX_OUTAGE_S=60: giving up (connect ECONNREFUSED 127.0.0.1:5432)',
    );
  });

  it('never gives up with maxOutageMs 0', () => {
    const { outage, advance } = monitor({ maxOutageMs: 0 });
    outage.failing('broker', refused());
    advance(7 * 24 * 3600 * 1000);
    expect(() => outage.failing('broker', refused())).not.toThrow();
  });

  it('reports a recovery once and starts afresh after it', () => {
    const { outage, lines, advance } = monitor({ maxOutageMs: 60_000 });
    outage.failing('target', refused());
    advance(12_000);
    outage.recovered('target');
    outage.recovered('target');
    expect(lines.slice(1)).toEqual([
      expect.objectContaining({
        level: INFO,
        part: 'target',
        downSeconds: 12,
        msg: 'target PostgreSQL is back after 12 s',
      }),
    ]);
    expect(outage.current()).toEqual([]);

    // A new outage counts from its own start: no report due, no limit passed.
    advance(100_000);
    outage.failing('target', refused());
    advance(1_000);
    expect(() => outage.failing('target', refused())).not.toThrow();
    expect(lines.map((line) => line.msg)).toEqual([
      'target PostgreSQL unreachable, retrying: connect ECONNREFUSED 127.0.0.1:5432',
      'target PostgreSQL is back after 12 s',
      'target PostgreSQL unreachable, retrying: connect ECONNREFUSED 127.0.0.1:5432',
    ]);
  });

  it('says nothing about a part that was not down', () => {
    const { outage, lines } = monitor();
    outage.recovered('broker');
    expect(lines).toEqual([]);
  });

  it('lists the parts that are down, with how long and the last reason', () => {
    const { outage, advance } = monitor();
    outage.failing('broker', refused());
    advance(2_000);
    outage.failing('target', refused());
    outage.failing(
      'target',
      Object.assign(new Error('the database system is shutting down'), { code: '57P01' }),
    );
    advance(3_000);
    expect(outage.current()).toEqual([
      { part: 'broker', sinceMs: 5_000, reason: 'connect ECONNREFUSED 127.0.0.1:5432' },
      { part: 'target', sinceMs: 3_000, reason: 'the database system is shutting down (SQLSTATE 57P01)' },
    ]);
    outage.recovered('broker');
    expect(outage.current().map(({ part }) => part)).toEqual(['target']);
  });

  it('keeps row values out of its lines: a data error shows only its SQLSTATE', () => {
    const { outage, lines } = monitor();
    outage.failing(
      'target',
      Object.assign(new Error('invalid input syntax for type integer: "secret"'), { code: '22P02' }),
    );
    expect(JSON.stringify(lines)).not.toContain('secret');
    expect(lines[0]?.msg).toBe('target PostgreSQL unreachable, retrying: SQLSTATE 22P02');
  });
});
