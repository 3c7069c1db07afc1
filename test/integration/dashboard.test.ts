/**
 * The Grafana dashboard proven, not just valid JSON (issue 11): the native stack's Prometheus scrapes
 * a service of this test while a workload runs, and every PromQL query of every panel of
 * infra/grafana/cdc-pipeline.json, with its variables filled in, returns data: at least one series
 * with a finite value.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, stackPaths } from '../../infra/stack/config.js';
import {
  prometheusProcess,
  prometheusUrl,
  startPrometheus,
  stopPrometheus,
  targetsFolder,
} from '../../infra/stack/prometheus.js';
import { runningPid } from '../../infra/stack/processes.js';
import { freePort } from './support/metrics-endpoint.js';
import { startService, stopService, type ServiceProcess } from './support/service-process.js';
import { kafkaClient, target } from './support/stack.js';

const RUN = `${Date.now() % 1_000_000}${Math.floor(Math.random() * 1000)}`;
const PREFIX = `dash${RUN}`;
const TABLE = `dashboard_${RUN}`;
const TOPIC = `${PREFIX}.public.${TABLE}`;
const DASHBOARD = path.join(PROJECT_ROOT, 'infra', 'grafana', 'cdc-pipeline.json');
/** What Grafana puts in place of $__rate_interval: several scrape intervals of the stack's Prometheus. */
const RATE_INTERVAL = '30s';

interface Panel {
  readonly title?: string;
  readonly targets?: readonly { readonly expr: string }[];
  readonly panels?: readonly Panel[];
}

function queriesOf(panels: readonly Panel[]): { panel: string; expr: string }[] {
  return panels.flatMap((panel) => [
    ...(panel.targets ?? []).map(({ expr }) => ({ panel: panel.title ?? '', expr })),
    ...queriesOf(panel.panels ?? []),
  ]);
}

interface QueryAnswer {
  readonly status: string;
  readonly data?: { readonly result: readonly { readonly value: readonly [number, string] }[] };
  readonly error?: string;
}

async function query(expr: string): Promise<QueryAnswer> {
  const response = await fetch(`${prometheusUrl()}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await response.json()) as QueryAnswer;
}

const change = (id: number) => ({
  key: JSON.stringify({ id }),
  value: JSON.stringify({
    before: null,
    after: { id, name: `n${id}` },
    source: { ts_ms: Date.now(), schema: 'public', table: TABLE, snapshot: 'false', lsn: id },
    op: 'c',
    ts_ms: Date.now(),
  }),
});

describe('the Grafana dashboard against a live Prometheus', () => {
  const paths = stackPaths();
  let startedPrometheus = false;
  let service: ServiceProcess | undefined;
  let port = 0;
  const targetFile = path.join(targetsFolder(paths), `dashboard-test-${RUN}.json`);

  beforeAll(async () => {
    if (runningPid(prometheusProcess(paths)) === undefined) {
      await startPrometheus(paths);
      startedPrometheus = true;
    }
    await target((db) =>
      db.query(
        `CREATE TABLE ${TABLE} (id integer PRIMARY KEY, name text, synced_at timestamptz NOT NULL DEFAULT now())`,
      ),
    );
    const admin = kafkaClient().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
    await admin.disconnect();
    port = await freePort();
    // Prometheus picks up a new target file by itself (file_sd).
    fs.writeFileSync(targetFile, JSON.stringify([{ targets: [`127.0.0.1:${port}`] }]));
  });
  afterAll(async () => {
    if (service && service.child.exitCode === null) service.child.kill('SIGKILL');
    fs.rmSync(targetFile, { force: true });
    if (startedPrometheus) await stopPrometheus(paths);
    await target((db) => db.query(`DROP TABLE IF EXISTS ${TABLE}`));
    const admin = kafkaClient().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('returns data for every query of every panel while a workload runs', async () => {
    const queries = queriesOf((JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] }).panels);
    expect(queries.length).toBeGreaterThan(20);

    service = startService(
      {
        PIPELINE_TOPIC_PATTERN: `^${PREFIX}\\.public\\..+$`,
        PIPELINE_TOPIC_PREFIX: PREFIX,
        PIPELINE_GROUP_ID: `dashboard-${RUN}`,
        PIPELINE_METRICS_PORT: String(port),
        PIPELINE_METRICS_HOST: '127.0.0.1',
      },
      `dashboard-${RUN}`,
    );
    const instance = `127.0.0.1:${port}`;
    const producer = kafkaClient().producer();
    await producer.connect();
    // Changes, a tombstone and a record that is not JSON every 500 ms, until the queries are done.
    let id = 0;
    let running = true;
    const workload = (async () => {
      while (running) {
        const batch = Array.from({ length: 20 }, () => change(++id));
        await producer.send({
          topic: TOPIC,
          messages: [
            ...batch,
            { key: JSON.stringify({ id }), value: null },
            { key: '{"id":0}', value: 'not json' },
          ],
        });
        await sleep(500);
      }
    })();
    try {
      await service.consuming;
      // Enough scrapes for a rate over RATE_INTERVAL: wait until Prometheus holds 20 s of them.
      const deadline = Date.now() + 90_000;
      const scraped = async (): Promise<number> =>
        Number(
          (await query(`count_over_time(up{instance="${instance}"}[1m])`)).data?.result[0]?.value[1] ?? 0,
        );
      while ((await scraped()) < 10 && Date.now() < deadline) await sleep(1000);
      expect(await scraped()).toBeGreaterThanOrEqual(10);

      const empty: string[] = [];
      for (const { panel, expr } of queries) {
        const filled = expr.replaceAll('$instance', instance).replaceAll('$__rate_interval', RATE_INTERVAL);
        const answer = await query(filled);
        const values = (answer.data?.result ?? []).map((series) => Number(series.value[1]));
        if (answer.status !== 'success' || !values.some(Number.isFinite))
          empty.push(`${panel}: ${filled} → ${answer.error ?? JSON.stringify(answer.data?.result)}`);
      }
      expect(empty).toEqual([]);
    } finally {
      running = false;
      await workload;
      await producer.disconnect();
    }
    expect(await stopService(service)).toBe(0);
  });
});
