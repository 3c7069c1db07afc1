/**
 * N instances of the built pipeline service (`node dist/src/cli/pipeline.js`, as in production) in
 * one consumer group, each with a metrics endpoint of its own, so the bench can read what each one
 * holds and does: its assigned partitions and the change events it read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SERVICE_NODE_FLAGS } from '../src/cli/node-flags.js';

export interface Instance {
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly metricsPort: number;
  readonly exited: Promise<unknown>;
}

export interface InstanceLoad {
  readonly partitions: number;
  readonly recordsRead: number;
}

export function startInstances({
  root,
  logs,
  count,
  firstMetricsPort,
  env,
}: {
  root: string;
  logs: string;
  count: number;
  firstMetricsPort: number;
  env: Record<string, string>;
}): Instance[] {
  fs.mkdirSync(logs, { recursive: true });
  return Array.from({ length: count }, (_, i) => {
    const logFile = path.join(logs, `bench-scale-${count}-${i + 1}.log`);
    const log = fs.openSync(logFile, 'w');
    const metricsPort = firstMetricsPort + i;
    const child = spawn(
      process.execPath,
      [...SERVICE_NODE_FLAGS, path.join(root, 'dist', 'src', 'cli', 'pipeline.js')],
      {
        env: {
          ...process.env,
          ...env,
          PIPELINE_METRICS_PORT: String(metricsPort),
          LOG_FORMAT: 'json',
          PIPELINE_PROGRESS_INTERVAL_MS: '0',
        },
        stdio: ['ignore', log, log],
      },
    );
    fs.closeSync(log);
    return { child, logFile, metricsPort, exited: new Promise((resolve) => child.on('exit', resolve)) };
  });
}

/** Throws when an instance has exited: the run is void. */
export function checkRunning(instances: readonly Instance[]): void {
  const gone = instances.find(({ child }) => child.exitCode !== null || child.signalCode !== null);
  if (gone)
    throw new Error(`a pipeline instance exited early (code ${gone.child.exitCode}); see ${gone.logFile}`);
}

/** Sums the samples of one metric family in Prometheus' text format. */
function total(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.split(' ').at(-1));
  }
  return sum;
}

export async function instanceLoad(instance: Instance): Promise<InstanceLoad> {
  const response = await fetch(`http://127.0.0.1:${instance.metricsPort}/metrics`);
  if (!response.ok) throw new Error(`metrics of port ${instance.metricsPort}: HTTP ${response.status}`);
  const text = await response.text();
  return {
    partitions: total(text, 'cdc_pipeline_assigned_partitions'),
    recordsRead: total(text, 'cdc_pipeline_records_consumed_total'),
  };
}

/** SIGTERM (flush, commit, leave) and wait; SIGKILL what has not left after `timeoutMs`. */
export async function stopInstances(instances: readonly Instance[], timeoutMs = 60_000): Promise<void> {
  for (const { child } of instances) if (child.exitCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const { child } of instances) if (child.exitCode === null) child.kill('SIGKILL');
  }, timeoutMs);
  await Promise.all(instances.map(({ exited }) => exited));
  clearTimeout(timer);
}
