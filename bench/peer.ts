/**
 * The peer: Debezium's JDBC sink connector, in the bench stack's Connect worker, on the same
 * backlog and target table. Each configuration is a fresh connector (so a fresh consumer group
 * reading from the earliest offset) on an emptied table, timed to drained, its table checked.
 * A configuration that fails is reported with its reason, never left out.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import type pg from 'pg';
import { stackPaths } from '../infra/stack/config.js';
import { PEER_CONNECTOR_CLASS } from '../infra/stack/peer-jars.js';
import { connectorStatus, connectRequest, failureOf } from '../src/tools/connect-rest.js';
import { cpuSeconds } from './cpu.js';
import { timeDrain } from './drain.js';
import { BENCH_TABLE } from './events.js';
import type { Backlog } from './fill.js';
import { verifyTarget } from './verify.js';

export interface PeerConfig {
  readonly label: string;
  readonly settings: Readonly<Record<string, string>>;
}

/** Its best settings as found (tasks, reduction buffer, batch size, tombstones filtered), varied one at a time. */
function tuned(tasks: number, { dropTombstones = true, extra = {} } = {}): Record<string, string> {
  return {
    'tasks.max': String(tasks),
    'use.reduction.buffer': 'true',
    'batch.size': '10000',
    // batch.size is capped by the records one poll returns.
    'consumer.override.max.poll.records': '10000',
    ...(dropTombstones
      ? {
          // Kept, every tombstone flushes the sink's buffers: deletes become one-row transactions.
          transforms: 'dropTombstones',
          'transforms.dropTombstones.type': 'org.apache.kafka.connect.transforms.Filter',
          'transforms.dropTombstones.predicate': 'isTombstone',
          predicates: 'isTombstone',
          'predicates.isTombstone.type': 'org.apache.kafka.connect.transforms.predicates.RecordIsTombstone',
        }
      : {}),
    ...extra,
  };
}

export const PEER_CONFIGS: readonly PeerConfig[] = [
  { label: 'tasks=2, tuned', settings: tuned(2) },
  { label: 'tasks=4, tuned', settings: tuned(4) },
  { label: 'tasks=1, tuned', settings: tuned(1) },
  { label: 'tasks=2, tuned, tombstones kept', settings: tuned(2, { dropTombstones: false }) },
  {
    label: 'tasks=2, tuned, unnest insert',
    settings: tuned(2, { extra: { 'dialect.postgres.unnest.insert.enabled': 'true' } }),
  },
];

/** Off by default: about 2,600 changes/s, over a minute for the default backlog. */
export const PEER_DEFAULTS: PeerConfig = { label: 'tasks=1, defaults', settings: { 'tasks.max': '1' } };

export type PeerResult =
  | {
      readonly label: string;
      readonly seconds: number;
      /** CPU seconds of the Connect worker over the drain's clock (from the group's Stable on). */
      readonly cpuSeconds: number;
      /** CPU seconds the whole machine was busy over the drain's clock. */
      readonly machineBusySeconds: number;
      readonly verified: string;
    }
  | { readonly label: string; readonly failed: string };

function jdbcUrl(targetUrl: string): { url: string; user: string; password: string } {
  const url = new URL(targetUrl);
  return {
    // Batched inserts become multi-row INSERTs: the fastest the PostgreSQL driver offers.
    url: `jdbc:postgresql://${url.hostname}:${url.port || 5432}${url.pathname}?reWriteBatchedInserts=true`,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

async function waitGone(connectUrl: string, name: string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if ((await connectorStatus(connectUrl, name)) === undefined) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runPeer({
  config,
  connectUrl,
  targetUrl,
  admin,
  target,
  backlog,
  timeoutMs,
}: {
  config: PeerConfig;
  connectUrl: string;
  targetUrl: string;
  admin: Admin;
  target: pg.Client;
  backlog: Backlog;
  timeoutMs: number;
}): Promise<PeerResult> {
  const name = `bench-peer-${Date.now()}`;
  const jdbc = jdbcUrl(targetUrl);
  await target.query(`TRUNCATE ${BENCH_TABLE}`);
  const { status, json } = await connectRequest('PUT', `${connectUrl}/connectors/${name}/config`, {
    'connector.class': PEER_CONNECTOR_CLASS,
    topics: backlog.topic,
    'connection.url': jdbc.url,
    'connection.username': jdbc.user,
    'connection.password': jdbc.password,
    'insert.mode': 'upsert',
    'delete.enabled': 'true',
    'primary.key.mode': 'record_key',
    'schema.evolution': 'none',
    'collection.name.format': BENCH_TABLE,
    'consumer.override.auto.offset.reset': 'earliest',
    ...config.settings,
  });
  try {
    if (status !== 200 && status !== 201)
      return {
        label: config.label,
        failed: `Connect refused the config (HTTP ${status}): ${JSON.stringify(json)}`,
      };
    const connectPid = Number(fs.readFileSync(path.join(stackPaths().run, 'connect.pid'), 'utf8'));
    let cpuBefore = 0;
    const { seconds, machineBusySeconds } = await timeDrain(admin, `connect-${name}`, backlog, {
      timeoutMs,
      onStarted: () => {
        cpuBefore = cpuSeconds(connectPid);
      },
      check: async () => {
        const state = await connectorStatus(connectUrl, name);
        const failure = state && failureOf(state);
        if (failure) throw new PeerFailed(failure);
      },
    });
    // The whole worker's CPU: the idle source connector and the worker's own upkeep are in it too.
    const cpu = cpuSeconds(connectPid) - cpuBefore;
    return {
      label: config.label,
      seconds,
      cpuSeconds: cpu,
      machineBusySeconds,
      verified: await verifyTarget(target, backlog.finalRows),
    };
  } catch (error) {
    const reason = error instanceof PeerFailed ? firstCause(error.message) : (error as Error).message;
    return { label: config.label, failed: reason };
  } finally {
    await connectRequest('DELETE', `${connectUrl}/connectors/${name}`).catch(() => undefined);
    await waitGone(connectUrl, name);
    await admin.deleteGroups([`connect-${name}`]).catch(() => undefined);
  }
}

class PeerFailed extends Error {}

/** A Java trace's most telling line: its deepest "Caused by", else its first line. */
function firstCause(trace: string): string {
  const causes = trace.split('\n').filter((line) => line.startsWith('Caused by: '));
  const line = causes.at(-1) ?? trace.split('\n')[0] ?? trace;
  return line.replace(/^Caused by: /, '').slice(0, 200);
}
