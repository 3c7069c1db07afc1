/**
 * A chaos session: the suite's own stack (started when it is not running, stopped afterwards),
 * the measuring columns installed, a supervised pipeline that has caught up with the source, and
 * then one fault after another on it.
 */
import { seededRandom } from '../../integration/support/workload.js';
import { waitCaughtUp } from './catch-up.js';
import type { ChaosStack } from './chaos-stack.js';
import { FAULTS, type FaultContext } from './fault-catalog.js';
import { runFault, type FaultResult } from './fault-run.js';
import type { ChaosOptions, FaultName } from './options.js';
import { CHAOS_GROUP_ID, waitConsuming } from './pipeline-process.js';
import { prepareChaosStack } from './prepared-stack.js';
import { Supervisor } from './supervisor.js';

const FIRST_START_TIMEOUT_MS = 120_000;

export interface ChaosSession {
  readonly stack: ChaosStack;
  readonly results: FaultResult[];
  run(fault: FaultName): Promise<FaultResult>;
  /** Stops the pipeline and, when this session started the stack, the stack. */
  close(): Promise<void>;
}

/**
 * Each fault is judged on its own: when the previous one left the pipeline behind (never caught
 * up), it is restarted, as an operator would, and given time to catch up before the next fault.
 */
async function independentStart(context: FaultContext, previous: FaultResult | undefined): Promise<string[]> {
  if (!previous || previous.recoveryMs !== undefined) return [];
  await context.pipeline.killAndRestart();
  const ready = await waitCaughtUp(context.stack, context.groupId, {
    timeoutMs: context.options.recoverTimeoutMs,
    quietMs: context.options.quietMs,
  });
  return ready.caughtUpAt === undefined
    ? ['the pipeline had not caught up after the previous fault, not even after a restart: not independent']
    : ['the previous fault left the pipeline behind: the suite restarted it (kill -9) before this fault'];
}

export async function openChaosSession(
  options: ChaosOptions,
  say: (line: string) => void,
  { keepStack = false } = {},
): Promise<ChaosSession> {
  const { stack, release } = await prepareChaosStack(say, { keepStack, audit: true });
  const close = async (pipelines: readonly Supervisor[]): Promise<void> => {
    await Promise.all(pipelines.map((pipeline) => pipeline.stop()));
    release();
  };
  const context: FaultContext = {
    stack,
    options,
    random: seededRandom(options.seed),
    groupId: CHAOS_GROUP_ID,
    pipeline: new Supervisor(stack, { name: 'pipeline', groupId: CHAOS_GROUP_ID }),
  };
  try {
    await waitConsuming(context.pipeline.current, FIRST_START_TIMEOUT_MS);
    const baseline = await waitCaughtUp(stack, CHAOS_GROUP_ID, {
      timeoutMs: options.recoverTimeoutMs,
      quietMs: options.quietMs,
    });
    if (baseline.caughtUpAt === undefined)
      throw new Error('the pipeline did not catch up before the first fault');
  } catch (error) {
    await close([context.pipeline]);
    throw error;
  }
  say(`pipeline pid ${context.pipeline.current.pid} caught up; seed ${options.seed}`);
  const results: FaultResult[] = [];
  return {
    stack,
    results,
    async run(name) {
      const before = await independentStart(context, results.at(-1));
      say(`fault: ${FAULTS[name].label}`);
      const measured = await runFault(context, FAULTS[name]).catch((error: unknown): FaultResult => ({
        fault: FAULTS[name].label,
        downtime: '?',
        recoveryMs: undefined,
        changes: 0,
        lost: undefined,
        appliedTwice: undefined,
        pipeline: '?',
        survived: false,
        notes: [`the fault could not run: ${(error as Error).message}`],
        passed: false,
      }));
      const result = { ...measured, notes: [...before, ...measured.notes] };
      results.push(result);
      return result;
    },
    close: () => close([context.pipeline]),
  };
}
