/**
 * The service's life as an operator sees it (issues 8 and 15): it starts and waits through an
 * unreachable target, gives up past PIPELINE_MAX_OUTAGE_S with one line, stops on a SIGTERM sent
 * to `npm run pipeline` or to the pid in PIPELINE_PID_FILE, stops during an outage, and a new
 * consumer group refuses to replay history onto a target that already holds rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type ServiceProcess } from './support/service-process.js';
import { kafkaClient, target } from './support/stack.js';

const RUN = `${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`;
const PREFIX = `life${RUN}`;
const TABLE = `lifecycle_${RUN}`;
const TOPIC = `${PREFIX}.public.${TABLE}`;
/** Only this test's topic, routed by its own prefix. */
const OWN_TOPICS = {
  PIPELINE_TOPIC_PATTERN: `^${PREFIX}\\.public\\..+$`,
  PIPELINE_TOPIC_PREFIX: PREFIX,
};
/** A port nothing listens on: the target is "down" from the start. */
const UNREACHABLE_TARGET = 'postgres://postgres:postgres@127.0.0.1:9/targetdb';

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(100);
  return condition();
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Log lines at info level and above (pino levels 30+), as an operator reads them. */
const visibleLines = (service: ServiceProcess): string[] =>
  service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((line) => line.level >= 30)
    .map((line) => line.msg);

describe('the service as an operator runs it', () => {
  const running: ServiceProcess[] = [];
  const start = (env: Record<string, string>, options?: { viaNpm?: boolean }): ServiceProcess => {
    const service = startService(env, `lifecycle-${RUN}`, options);
    running.push(service);
    return service;
  };

  beforeAll(async () => {
    await target(async (db) => {
      await db.query(
        `CREATE TABLE ${TABLE} (id integer PRIMARY KEY, name text, synced_at timestamptz NOT NULL DEFAULT now())`,
      );
      // A row that some earlier pipeline applied: a new consumer group must not replay over it.
      await db.query(`INSERT INTO ${TABLE} (id, name) VALUES (1, 'already here')`);
    });
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({
      topic: TOPIC,
      messages: [
        {
          key: JSON.stringify({ id: 1 }),
          value: JSON.stringify({
            before: null,
            after: { id: 1, name: 'an older version' },
            source: { ts_ms: 1, schema: 'public', table: TABLE, snapshot: 'false', lsn: 1 },
            op: 'c',
            ts_ms: 1,
          }),
        },
      ],
    });
    await producer.disconnect();
  });
  afterAll(async () => {
    for (const service of running) if (service.child.exitCode === null) service.child.kill('SIGKILL');
    await target((db) => db.query(`DROP TABLE IF EXISTS ${TABLE}`));
    const admin = kafkaClient().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('refuses to replay a new group onto a filled target, in one line naming the fix', async () => {
    const service = start({
      ...OWN_TOPICS,
      PIPELINE_GROUP_ID: `lifecycle-new-${RUN}`,
      PIPELINE_NEW_GROUP_START: 'earliest-if-target-empty',
    });
    expect(await service.exited).toBe(2);
    const lines = visibleLines(service);
    const fatal = lines.find((line) => line.startsWith('✗'));
    expect(fatal).toContain(`public.${TABLE}`);
    expect(fatal).toContain('PIPELINE_NEW_GROUP_START=earliest');
    expect(fatal).toContain('PIPELINE_GROUP_ID');
    const kept = await target((db) => db.query<{ name: string }>(`SELECT name FROM ${TABLE}`));
    expect(kept.rows).toEqual([{ name: 'already here' }]);
  });

  it('replays when asked to, and stops on a SIGTERM sent to npm', async () => {
    const pidFile = path.join(os.tmpdir(), `cdc-pipeline-${RUN}.pid`);
    const service = start(
      {
        ...OWN_TOPICS,
        PIPELINE_GROUP_ID: `lifecycle-replay-${RUN}`,
        PIPELINE_NEW_GROUP_START: 'earliest',
        PIPELINE_PID_FILE: pidFile,
      },
      { viaNpm: true },
    );
    await service.consuming;
    const servicePid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(servicePid).not.toBe(service.child.pid); // npm's child, not npm itself
    const replayed = async (): Promise<string | undefined> =>
      (await target((db) => db.query<{ name: string }>(`SELECT name FROM ${TABLE}`))).rows[0]?.name;
    const deadline = Date.now() + 30_000;
    while ((await replayed()) !== 'an older version' && Date.now() < deadline) await sleep(200);
    expect(await replayed()).toBe('an older version');

    // The README's way: kill -TERM <pid of npm run pipeline>.
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(await until(() => !isAlive(servicePid), 10_000)).toBe(true);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(visibleLines(service)).toContain('stopped: everything held was flushed and committed');
  });

  it('waits through an unreachable target, saying so, and stops on SIGTERM meanwhile', async () => {
    const service = start({
      ...OWN_TOPICS,
      PIPELINE_GROUP_ID: `lifecycle-wait-${RUN}`,
      TARGET_DATABASE_URL: UNREACHABLE_TARGET,
    });
    expect(
      await until(
        () => visibleLines(service).some((line) => line.startsWith('target PostgreSQL unreachable')),
        30_000,
      ),
    ).toBe(true);
    await sleep(1500);
    expect(service.child.exitCode).toBeNull();
    const signalled = Date.now();
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
  });

  it('gives up past PIPELINE_MAX_OUTAGE_S with one line and a non-zero exit', async () => {
    const service = start({
      ...OWN_TOPICS,
      PIPELINE_GROUP_ID: `lifecycle-give-up-${RUN}`,
      TARGET_DATABASE_URL: UNREACHABLE_TARGET,
      PIPELINE_MAX_OUTAGE_S: '3',
    });
    expect(await service.exited).toBe(1);
    const lines = visibleLines(service);
    const waiting = lines.filter((line) => line.includes('unreachable'));
    // A sane rate: one line when the outage starts and at most one more a few seconds later.
    expect(waiting.length).toBeLessThanOrEqual(3);
    const fatal = lines.filter((line) => line.startsWith('✗'));
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatch(/target PostgreSQL unreachable for \d+ s, longer than PIPELINE_MAX_OUTAGE_S=3/);
    expect(service.output()).not.toMatch(/\n\s+at /); // no stack trace
  });
});
