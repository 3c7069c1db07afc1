/**
 * Runs the built pipeline service (`node dist/cli/pipeline.js`, as in production) on the bench
 * topic and measures its drain: from the consumer group's first member to zero lag, and its peak
 * resident memory (VmHWM) from /proc.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { consumerLag } from '../src/streams/consumerLag.js';

const POLL_MS = 100;

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export interface PipelineRun {
  readonly seconds: number;
  readonly peakRssMb: number;
}

export async function runPipelineService({
  admin,
  root,
  env,
  groupId,
  topic,
  timeoutMs,
}: {
  admin: Admin;
  root: string;
  env: Record<string, string>;
  groupId: string;
  topic: string;
  timeoutMs: number;
}): Promise<PipelineRun> {
  const logFile = path.join(root, '.stack', 'logs', 'bench-pipeline.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [path.join(root, 'dist', 'src', 'cli', 'pipeline.js')], {
    env: {
      ...process.env,
      ...env,
      PIPELINE_GROUP_ID: groupId,
      // Each run is a fresh group replaying the backlog onto the bench's own tables.
      PIPELINE_NEW_GROUP_START: 'earliest',
      LOG_FORMAT: 'json',
      PIPELINE_PROGRESS_INTERVAL_MS: '0',
    },
    stdio: ['ignore', log, log],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + timeoutMs;
  try {
    let started: number | undefined;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`the pipeline exited early (code ${child.exitCode}); see ${logFile}`);
      if (Date.now() > deadline)
        throw new Error(`the pipeline did not drain within ${timeoutMs / 1000} s; see ${logFile}`);
      if (started === undefined) {
        const [group] = (await admin.describeGroups([groupId])).groups;
        if (group && group.state === 'Stable' && group.members.length > 0) started = performance.now();
      } else if ((await consumerLag(admin, groupId, [topic])) === 0) {
        const seconds = (performance.now() - started) / 1000;
        const rss = peakRssMb(child.pid!);
        child.kill('SIGTERM');
        await exited;
        return { seconds, peakRssMb: rss };
      }
      await sleep(POLL_MS);
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.closeSync(log);
  }
}
