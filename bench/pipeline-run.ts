/**
 * Runs the built pipeline service (`node dist/src/cli/pipeline.js`, as in production) on the bench
 * topic, as one or more instances in one consumer group, and times their drain on the bench's one
 * clock (bench/drain.ts); peak resident memory (VmHWM) from /proc, the largest of the instances.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import { SERVICE_NODE_FLAGS } from '../src/cli/node-flags.js';
import { cpuSeconds } from './cpu.js';
import { timeDrain } from './drain.js';
import type { Backlog } from './fill.js';

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export interface PipelineRun {
  readonly seconds: number;
  readonly peakRssMb: number;
  /** CPU seconds of all instances together over the drain's clock (from the group's Stable on). */
  readonly cpuSeconds: number;
  /** CPU seconds they used before it: starting Node, loading the code, joining the group. */
  readonly startupCpuSeconds: number;
  /** CPU seconds the whole machine was busy over the drain's clock. */
  readonly machineBusySeconds: number;
}

export async function runPipelineService({
  admin,
  root,
  logs,
  env,
  instances,
  groupId,
  backlog,
  timeoutMs,
  nodeArgs = [],
}: {
  admin: Admin;
  root: string;
  /** The folder for each instance's log. */
  logs: string;
  env: Record<string, string>;
  instances: number;
  groupId: string;
  backlog: Backlog;
  timeoutMs: number;
  /** Extra node flags (BENCH_NODE_ARGS, e.g. --cpu-prof). */
  nodeArgs?: readonly string[];
}): Promise<PipelineRun> {
  fs.mkdirSync(logs, { recursive: true });
  const children: { child: ChildProcess; logFile: string; log: number; exited: Promise<unknown> }[] = [];
  try {
    for (let i = 0; i < instances; i += 1) {
      const logFile = path.join(logs, `bench-pipeline-${i + 1}.log`);
      const log = fs.openSync(logFile, 'w');
      const child = spawn(
        process.execPath,
        [...SERVICE_NODE_FLAGS, ...nodeArgs, path.join(root, 'dist', 'src', 'cli', 'pipeline.js')],
        {
          env: {
            ...process.env,
            ...env,
            PIPELINE_GROUP_ID: groupId,
            // Each run is a fresh group replaying the backlog onto the bench's own table.
            PIPELINE_NEW_GROUP_START: 'earliest',
            LOG_FORMAT: 'json',
            PIPELINE_PROGRESS_INTERVAL_MS: '0',
          },
          stdio: ['ignore', log, log],
        },
      );
      children.push({ child, logFile, log, exited: new Promise((r) => child.on('exit', r)) });
    }
    const cpuOfAll = (): number => children.reduce((sum, { child }) => sum + cpuSeconds(child.pid!), 0);
    let startupCpu = 0;
    const { seconds, machineBusySeconds } = await timeDrain(admin, groupId, backlog, {
      timeoutMs,
      onStarted: () => {
        startupCpu = cpuOfAll();
      },
      check: async () => {
        const gone = children.find(({ child }) => child.exitCode !== null);
        if (gone)
          throw new Error(
            `a pipeline instance exited early (code ${gone.child.exitCode}); see ${gone.logFile}`,
          );
      },
    });
    const rss = Math.max(...children.map(({ child }) => peakRssMb(child.pid!)));
    const cpu = cpuOfAll() - startupCpu;
    for (const { child } of children) child.kill('SIGTERM');
    await Promise.all(children.map(({ exited }) => exited));
    return { seconds, peakRssMb: rss, cpuSeconds: cpu, startupCpuSeconds: startupCpu, machineBusySeconds };
  } finally {
    for (const { child, log } of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      fs.closeSync(log);
    }
  }
}
