/**
 * Issue 11 on the real stack: /metrics scraped while the service applies a known workload adds up to
 * exactly what was applied, and /readyz answers 503 with the reason while the service's own target
 * PostgreSQL is down, and 200 again once it is back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThrowawayTarget, type ThrowawayTarget } from './support/throwaway-target.js';
import { total } from '../../src/metrics/parse-text.js';
import { freePort, readyz, scrape } from './support/metrics-endpoint.js';
import { startService, stopService, type ServiceProcess } from './support/service-process.js';
import { kafkaClient, target } from './support/stack.js';

const RUN = `${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`;
const PREFIX = `obs${RUN}`;
const TABLE = `observed_${RUN}`;
const TOPIC = `${PREFIX}.public.${TABLE}`;
const OWN_TOPICS = { PIPELINE_TOPIC_PATTERN: `^${PREFIX}\\.public\\..+$`, PIPELINE_TOPIC_PREFIX: PREFIX };
const CREATE_TABLE = `CREATE TABLE ${TABLE} (id integer PRIMARY KEY, name text, synced_at timestamptz NOT NULL DEFAULT now())`;

type Row = { id: number; name: string } | null;
const change = (op: 'c' | 'u' | 'd', id: number, before: Row, after: Row) => ({
  key: JSON.stringify({ id }),
  value: JSON.stringify({
    before,
    after,
    // Committed "now" in the source: time behind source and source → applied measure from here.
    source: { ts_ms: Date.now(), schema: 'public', table: TABLE, snapshot: 'false', lsn: id },
    op,
    ts_ms: Date.now(),
  }),
});
const tombstone = (id: number) => ({ key: JSON.stringify({ id }), value: null });

async function produce(messages: { key: string; value: string | null }[]): Promise<void> {
  const producer = kafkaClient().producer();
  await producer.connect();
  await producer.send({ topic: TOPIC, messages });
  await producer.disconnect();
}

async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(250);
    value = await read().catch(() => value);
  }
  return value;
}

describe('/metrics and /readyz of a running service', () => {
  const services: ServiceProcess[] = [];
  let throwaway: ThrowawayTarget | undefined;

  beforeAll(async () => {
    await target((db) => db.query(CREATE_TABLE));
    const admin = kafkaClient().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
    await admin.disconnect();
  });
  afterAll(async () => {
    for (const service of services) if (service.child.exitCode === null) service.child.kill('SIGKILL');
    throwaway?.remove();
    await target((db) => db.query(`DROP TABLE IF EXISTS ${TABLE}`));
    const admin = kafkaClient().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('counts exactly what a workload applied: by op, tombstones, dead letters, consumed', async () => {
    const port = await freePort();
    const service = startService(
      {
        ...OWN_TOPICS,
        PIPELINE_GROUP_ID: `obs-count-${RUN}`,
        PIPELINE_METRICS_PORT: String(port),
        PIPELINE_METRICS_HOST: '127.0.0.1',
      },
      `observability-${RUN}`,
    );
    services.push(service);
    await service.consuming;

    // Round 1: 40 creates and one record that is not JSON (a decode dead letter). Every key once
    // per round, so compaction merges nothing and each change is applied as itself.
    await produce([
      ...Array.from({ length: 40 }, (_, i) => change('c', i + 1, null, { id: i + 1, name: `n${i + 1}` })),
      { key: JSON.stringify({ id: 999 }), value: 'not json' },
    ]);
    const applied = (samples: Awaited<ReturnType<typeof scrape>>, op: string) =>
      total(samples, 'cdc_pipeline_changes_applied_total', { table: `public.${TABLE}`, op });
    await eventually(
      () => scrape(port),
      (s) => applied(s, 'create') === 40,
    );
    // Round 2: 10 deletes (each with its tombstone) and 10 updates of other keys.
    await produce([
      ...Array.from({ length: 10 }, (_, i) => [
        change('d', i + 1, { id: i + 1, name: `n${i + 1}` }, null),
        tombstone(i + 1),
      ]).flat(),
      ...Array.from({ length: 10 }, (_, i) => change('u', i + 11, null, { id: i + 11, name: `m${i + 11}` })),
    ]);
    const samples = await eventually(
      () => scrape(port),
      (s) =>
        applied(s, 'delete') === 10 &&
        applied(s, 'update') === 10 &&
        total(s, 'cdc_pipeline_records_skipped_total') === 10 &&
        total(s, 'cdc_pipeline_consumer_lag_messages', { topic: TOPIC }) === 0,
    );

    expect(applied(samples, 'create')).toBe(40);
    expect(applied(samples, 'update')).toBe(10);
    expect(applied(samples, 'delete')).toBe(10);
    expect(total(samples, 'cdc_pipeline_records_consumed_total', { topic: TOPIC })).toBe(71);
    expect(total(samples, 'cdc_pipeline_records_skipped_total', { reason: 'tombstone' })).toBe(10);
    expect(total(samples, 'cdc_pipeline_dead_letters_total', { stage: 'decode' })).toBe(1);
    expect(total(samples, 'cdc_pipeline_dead_letters_total')).toBe(1);
    // Consumed = received by flushes + skipped + dead-lettered before a flush.
    expect(total(samples, 'cdc_pipeline_batch_size_changes_sum')).toBe(60);
    expect(total(samples, 'cdc_pipeline_source_to_applied_seconds_count')).toBe(60);
    expect(total(samples, 'cdc_pipeline_flush_duration_seconds_count')).toBeGreaterThan(0);
    expect(total(samples, 'cdc_pipeline_commit_duration_seconds_count')).toBeGreaterThan(0);
    expect(total(samples, 'cdc_pipeline_consumer_lag_messages', { topic: TOPIC })).toBe(0);
    expect(
      samples.filter((s) => s.name === 'cdc_pipeline_consumer_lag_messages' && s.labels.topic === TOPIC),
    ).toHaveLength(2);
    expect(total(samples, 'cdc_pipeline_assigned_partitions')).toBe(2);
    expect(total(samples, 'cdc_pipeline_time_behind_source_seconds')).toBe(0);
    const newest = total(samples, 'cdc_pipeline_last_applied_source_timestamp_seconds');
    expect(Date.now() / 1000 - newest).toBeLessThan(120);
    expect(total(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    // What the target holds agrees with the counters: 40 created, 10 deleted.
    const rows = await target((db) => db.query<{ count: string }>(`SELECT count(*) FROM ${TABLE}`));
    expect(Number(rows.rows[0]!.count)).toBe(30);
    expect((await readyz(port)).status).toBe(200);
    expect(await stopService(service)).toBe(0);
  });

  it('answers /readyz 503 with the reason while its target is down, and 200 once it is back', async () => {
    throwaway = await startThrowawayTarget(`obs-target-${RUN}`, await freePort());
    await withClient(throwaway.url, (db) => db.query(CREATE_TABLE));
    const port = await freePort();
    const service = startService(
      {
        ...OWN_TOPICS,
        TARGET_DATABASE_URL: throwaway.url,
        PIPELINE_GROUP_ID: `obs-ready-${RUN}`,
        PIPELINE_METRICS_PORT: String(port),
        PIPELINE_METRICS_HOST: '127.0.0.1',
      },
      `observability-${RUN}`,
    );
    services.push(service);
    await service.consuming;
    expect(
      (
        await eventually(
          () => readyz(port),
          (r) => r.status === 200,
        )
      ).status,
    ).toBe(200);

    throwaway.stopImmediate();
    const down = await eventually(
      () => readyz(port),
      (r) => r.status === 503,
      30_000,
    );
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('not ready');
    expect(down.body.reasons).toEqual([
      expect.stringMatching(/^target PostgreSQL (does not answer|unreachable)/),
    ]);

    throwaway.start();
    const back = await eventually(
      () => readyz(port),
      (r) => r.status === 200,
      30_000,
    );
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ status: 'ready', reasons: [] });
    expect(await stopService(service)).toBe(0);
  });
});

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
