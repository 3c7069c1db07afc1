/**
 * How long and how hard the chaos suite runs. The full run follows issue 8 (30 s outages, ten
 * kills); CI runs a short one by environment (CHAOS_DOWNTIME_S=5 CHAOS_KILLS=3).
 */
export const FAULT_NAMES = ['target', 'broker', 'connect', 'kills', 'join'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export interface ChaosOptions {
  /** How long the target database and the broker stay down. */
  readonly downtimeMs: number;
  /** How many times the pipeline is killed with SIGKILL in the kills fault. */
  readonly kills: number;
  readonly faults: readonly FaultName[];
  /** Source changes per second while a fault runs. */
  readonly ratePerSecond: number;
  /** Workload before each fault, so the fault lands on changes in flight. */
  readonly warmupMs: number;
  /** How long after a fault's end the pipeline may take to catch up before the fault fails. */
  readonly recoverTimeoutMs: number;
  /** Lag 0 and equal rows must hold this long to count as caught up. */
  readonly quietMs: number;
  readonly seed: number;
}

export const FULL_RUN: Omit<ChaosOptions, 'seed'> = {
  downtimeMs: 30_000,
  kills: 10,
  faults: FAULT_NAMES,
  ratePerSecond: 200,
  warmupMs: 5000,
  recoverTimeoutMs: 180_000,
  quietMs: 2000,
};

export function parseFaults(raw: string): FaultName[] {
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(FAULT_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new RangeError(
      `unknown faults "${unknown.join(',') || raw}": choose from ${FAULT_NAMES.join(', ')}`,
    );
  }
  return names as FaultName[];
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name}=${raw} must be a positive number`);
  return value;
}

/** CHAOS_DOWNTIME_S, CHAOS_KILLS, CHAOS_FAULTS, CHAOS_RATE, CHAOS_WARMUP_S, CHAOS_RECOVER_TIMEOUT_S, CHAOS_SEED. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): ChaosOptions {
  return {
    downtimeMs: positive(env, 'CHAOS_DOWNTIME_S', FULL_RUN.downtimeMs / 1000) * 1000,
    kills: Math.round(positive(env, 'CHAOS_KILLS', FULL_RUN.kills)),
    faults: env.CHAOS_FAULTS ? parseFaults(env.CHAOS_FAULTS) : FULL_RUN.faults,
    ratePerSecond: positive(env, 'CHAOS_RATE', FULL_RUN.ratePerSecond),
    warmupMs: positive(env, 'CHAOS_WARMUP_S', FULL_RUN.warmupMs / 1000) * 1000,
    recoverTimeoutMs: positive(env, 'CHAOS_RECOVER_TIMEOUT_S', FULL_RUN.recoverTimeoutMs / 1000) * 1000,
    quietMs: FULL_RUN.quietMs,
    seed: Math.round(positive(env, 'CHAOS_SEED', Date.now() % 1_000_000)),
  };
}
