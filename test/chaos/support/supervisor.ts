/**
 * Keeps one pipeline role running, as systemd's `Restart=always` would: whenever the process exits,
 * a new one is started a moment later. Exits the suite caused itself (its kill -9 faults) are told
 * apart from exits the service chose, because only the latter mean it did not ride a fault out.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosStack } from './chaos-stack.js';
import {
  describeExit,
  killHard,
  startPipeline,
  stopGracefully,
  type ExitInfo,
  type PipelineProcess,
  type PipelineSpec,
} from './pipeline-process.js';

/** A supervisor's pause before a restart, like systemd's RestartSec. */
const RESTART_DELAY_MS = 1000;

export interface UnexpectedExit {
  readonly pid: number;
  readonly exit: ExitInfo;
}

export class Supervisor {
  #current: PipelineProcess;
  #supervising = true;
  /** Pids the suite killed on purpose. */
  readonly #killedByUs = new Set<number>();
  readonly unexpectedExits: UnexpectedExit[] = [];
  restarts = 0;

  constructor(
    private readonly stack: ChaosStack,
    private readonly spec: PipelineSpec,
  ) {
    this.#current = this.#start();
  }

  get current(): PipelineProcess {
    return this.#current;
  }

  #start(): PipelineProcess {
    const started = startPipeline(this.stack, this.spec);
    void started.exited.then(async (exit) => {
      // The suite's own kills restart (or abandon) the role themselves.
      if (this.#killedByUs.has(started.pid)) return;
      this.unexpectedExits.push({ pid: started.pid, exit });
      if (!this.#supervising || this.#current !== started) return;
      await sleep(RESTART_DELAY_MS);
      if (!this.#supervising || this.#current !== started) return;
      this.restarts += 1;
      this.#current = this.#start();
    });
    return started;
  }

  /** kill -9 the running process and, once it is gone, start the next one at once. */
  async killAndRestart(): Promise<PipelineProcess> {
    const victim = this.#current;
    this.#killedByUs.add(victim.pid);
    await killHard(victim);
    this.restarts += 1;
    this.#current = this.#start();
    return this.#current;
  }

  /** kill -9 the running process and supervise no more (the role is over). */
  async killAndAbandon(): Promise<ExitInfo> {
    this.#supervising = false;
    this.#killedByUs.add(this.#current.pid);
    return killHard(this.#current);
  }

  /** SIGTERM, and no restart. */
  async stop(): Promise<ExitInfo> {
    this.#supervising = false;
    return stopGracefully(this.#current);
  }

  /** The exits the service chose since `from` (an index into unexpectedExits), for the report. */
  exitsSince(from: number): string[] {
    return this.unexpectedExits.slice(from).map(({ pid, exit }) => `pid ${pid} ${describeExit(exit)}`);
  }
}
