/**
 * The five faults of issue 8. Each runs while the workload writes to the source and returns once
 * the fault is over (the part answers again, the last kill is done): recovery is timed from there.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosStack } from './chaos-stack.js';
import { connectorRunning } from './connector-health.js';
import {
  killBroker,
  killConnect,
  startBrokerAgain,
  startConnectAgain,
  startTarget,
  stopTargetImmediately,
} from './faults.js';
import type { ChaosOptions, FaultName } from './options.js';
import { waitConsuming, type PipelineProcess } from './pipeline-process.js';
import { Supervisor } from './supervisor.js';

/** Connect may need a while to put its task back after the broker or the worker returns. */
const CONNECTOR_TIMEOUT_MS = 120_000;
const CONSUMING_TIMEOUT_MS = 120_000;
/** Random pause before each kill: from the middle of a start-up to the middle of a flush. */
const KILL_PAUSE_MS = { min: 500, spread: 3500 };
/** After the second instance consumes, let the group hand it its share before the first dies. */
const JOIN_SETTLE_MS = 5000;

export interface FaultContext {
  readonly stack: ChaosStack;
  readonly options: ChaosOptions;
  readonly random: () => number;
  readonly groupId: string;
  /** The pipeline role that applies changes now; the join fault hands it to the second instance. */
  pipeline: Supervisor;
}

export interface FaultEnd {
  readonly endedAt: number;
  readonly downtime: string;
  readonly notes: readonly string[];
  /** The process that must still run, never having exited, when the pipeline has caught up. */
  readonly mustStillRun?: PipelineProcess;
}

export interface Fault {
  readonly name: FaultName;
  readonly label: string;
  inject(context: FaultContext): Promise<FaultEnd>;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function outage(take: () => unknown, giveBack: () => Promise<unknown>, downtimeMs: number) {
  const started = Date.now();
  await take();
  await sleep(downtimeMs);
  await giveBack();
  const endedAt = Date.now();
  return { endedAt, downtime: seconds(endedAt - started) };
}

export const FAULTS: Readonly<Record<FaultName, Fault>> = {
  target: {
    name: 'target',
    label: 'target PostgreSQL stopped (immediate)',
    async inject({ stack, options, pipeline }) {
      const survivor = pipeline.current;
      const end = await outage(
        () => stopTargetImmediately(stack),
        async () => startTarget(stack),
        options.downtimeMs,
      );
      return { ...end, notes: [], mustStillRun: survivor };
    },
  },
  broker: {
    name: 'broker',
    label: 'Kafka broker kill -9',
    async inject({ stack, options, pipeline }) {
      const survivor = pipeline.current;
      const end = await outage(
        () => killBroker(stack),
        () => startBrokerAgain(stack),
        options.downtimeMs,
      );
      return { ...end, notes: await connectorRunning(stack, CONNECTOR_TIMEOUT_MS), mustStillRun: survivor };
    },
  },
  connect: {
    name: 'connect',
    label: 'Connect kill -9, restarted',
    async inject({ stack, pipeline }) {
      const survivor = pipeline.current;
      const end = await outage(
        () => killConnect(stack),
        () => startConnectAgain(stack),
        0,
      );
      return { ...end, notes: await connectorRunning(stack, CONNECTOR_TIMEOUT_MS), mustStillRun: survivor };
    },
  },
  kills: {
    name: 'kills',
    label: 'pipeline kill -9 at random moments',
    async inject({ options, random, pipeline }) {
      for (let kill = 0; kill < options.kills; kill += 1) {
        await sleep(KILL_PAUSE_MS.min + random() * KILL_PAUSE_MS.spread);
        await pipeline.killAndRestart();
      }
      return { endedAt: Date.now(), downtime: `${options.kills} × kill -9`, notes: [] };
    },
  },
  join: {
    name: 'join',
    label: 'second instance joins, first kill -9',
    async inject(context) {
      const second = new Supervisor(context.stack, { name: 'pipeline-second', groupId: context.groupId });
      try {
        await waitConsuming(second.current, CONSUMING_TIMEOUT_MS);
      } catch (error) {
        await second.stop();
        throw error;
      }
      await sleep(JOIN_SETTLE_MS);
      const first = context.pipeline;
      context.pipeline = second;
      await first.killAndAbandon();
      return { endedAt: Date.now(), downtime: 'first killed', notes: [], mustStillRun: second.current };
    },
  },
};
