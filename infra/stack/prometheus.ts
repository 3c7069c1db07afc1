/**
 * An opt-in part of the native stack: a real Prometheus (Debian's `prometheus` package, the binary
 * run by us, never as a system service) scraping the pipeline's /metrics, so the Grafana dashboard's
 * queries can be run against it. `CDC_STACK_PROMETHEUS=1 npm run stack:up` starts it;
 * `stack:down` stops it whenever it runs.
 *
 * What it scrapes comes from files (Prometheus's file_sd): `pipeline.json` names the service on
 * PIPELINE_METRICS_PORT, and anyone (a test with a service of its own) may drop another file beside
 * it, which Prometheus picks up within seconds without a restart.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_METRICS_PORT } from '../../src/defaults.js';
import { HOST, type StackPaths } from './config.js';
import { runningPid, startDetached, stopProcess, waitFor, type ManagedProcess } from './processes.js';
import { StackError } from './stack-error.js';

/** Prometheus's own 9090 + 10000, like every port of the stack; CDC_PROMETHEUS_PORT moves it. */
export const DEFAULT_PROMETHEUS_PORT = 19_090;
/** Short, so a test (and a person watching the dashboard) sees a change within seconds. */
export const SCRAPE_INTERVAL_S = 2;
/** The job label of the pipeline's series: the dashboard selects it. */
export const PIPELINE_JOB = 'cdc-pipeline';
const READY_TIMEOUT_MS = 60_000;
const BINARY = 'prometheus';

export const prometheusRequested = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env.CDC_STACK_PROMETHEUS === '1';

export function prometheusPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.CDC_PROMETHEUS_PORT;
  return raw === undefined || raw === '' ? DEFAULT_PROMETHEUS_PORT : Number(raw);
}

export const prometheusUrl = (port = prometheusPort()): string => `http://${HOST}:${port}`;

export function prometheusProcess(paths: StackPaths): ManagedProcess {
  return { name: 'prometheus', pidFile: path.join(paths.run, 'prometheus.pid'), marker: BINARY };
}

/** The folder of scrape-target files: one JSON file per scraped service. */
export const targetsFolder = (paths: StackPaths): string => path.join(paths.config, 'prometheus-targets');

function findPrometheus(): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${BINARY}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new StackError(
      'prometheus',
      'no prometheus binary on PATH',
      'install it (Debian: apt-get install prometheus; it is started by the stack, not as a service)',
    );
  }
}

function writeConfig(paths: StackPaths): string {
  const folder = targetsFolder(paths);
  fs.mkdirSync(folder, { recursive: true });
  const metricsPort = process.env.PIPELINE_METRICS_PORT || String(DEFAULT_METRICS_PORT);
  fs.writeFileSync(
    path.join(folder, 'pipeline.json'),
    `${JSON.stringify([{ targets: [`${HOST}:${metricsPort}`] }], null, 2)}\n`,
  );
  const file = path.join(paths.config, 'prometheus.yml');
  fs.writeFileSync(
    file,
    [
      '# Written by npm run stack:up (infra/stack/prometheus.ts); rewritten at each start.',
      'global:',
      `  scrape_interval: ${SCRAPE_INTERVAL_S}s`,
      `  evaluation_interval: ${SCRAPE_INTERVAL_S}s`,
      'scrape_configs:',
      `  - job_name: ${PIPELINE_JOB}`,
      '    file_sd_configs:',
      `      - files: ['${path.join(folder, '*.json')}']`,
      '        refresh_interval: 5s',
      '',
    ].join('\n'),
  );
  return file;
}

async function answersReady(url: string): Promise<true | undefined> {
  const response = await fetch(`${url}/-/ready`);
  return response.ok ? true : undefined;
}

/** Starts Prometheus unless it runs, and waits until it is ready; returns its pid. */
export async function startPrometheus(paths: StackPaths, port = prometheusPort()): Promise<number> {
  const part = prometheusProcess(paths);
  const running = runningPid(part);
  if (running !== undefined) return running;
  const binary = findPrometheus();
  const config = writeConfig(paths);
  const logFile = path.join(paths.logs, 'prometheus.log');
  const pid = startDetached(part, {
    command: binary,
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(paths.data, 'prometheus')}`,
      '--storage.tsdb.retention.time=2d',
      `--web.listen-address=${HOST}:${port}`,
    ],
    logFile,
  });
  try {
    await waitFor(() => answersReady(prometheusUrl(port)), {
      timeoutMs: READY_TIMEOUT_MS,
      pid,
      what: 'Prometheus to answer /-/ready',
    });
  } catch (error) {
    throw new StackError(
      'prometheus',
      (error as Error).message,
      'read the log below; a port in use shows as "address already in use" (move it with CDC_PROMETHEUS_PORT)',
      logFile,
    );
  }
  return pid;
}

export const stopPrometheus = (paths: StackPaths): ReturnType<typeof stopProcess> =>
  stopProcess(prometheusProcess(paths));
