/**
 * Issue 8's chaos suite as a test: each fault while a workload runs, on the suite's own stack.
 * After each, source equals target by row hash (nothing lost), and for the target, broker and
 * Connect outages the pipeline process that ran before the fault still runs. Durations come from
 * the CHAOS_* variables (support/options.ts); `npm run test:chaos:short` is CI's short version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS } from './support/fault-catalog.js';
import { optionsFromEnv } from './support/options.js';
import { chaosTable } from './support/report.js';
import { openChaosSession, type ChaosSession } from './support/session.js';

const options = optionsFromEnv();
/** Room for restarting a part, killing and restarting the pipeline, and catching up. */
const faultTimeoutMs =
  options.warmupMs + options.downtimeMs + options.kills * 5000 + 2 * options.recoverTimeoutMs + 240_000;

describe('chaos: the pipeline rides out every fault by itself', () => {
  let session: ChaosSession | undefined;

  beforeAll(async () => {
    session = await openChaosSession(options, (line) => console.log(`[chaos] ${line}`));
  });

  afterAll(async () => {
    if (!session) return;
    console.log(`\n${chaosTable(session.results)}\n`);
    await session.close();
  });

  for (const fault of options.faults) {
    it(FAULTS[fault].label, { timeout: faultTimeoutMs }, async () => {
      const result = await session!.run(fault);
      const context = `${result.fault} (seed ${options.seed}): ${result.notes.join('; ') || 'no notes'}`;
      expect(result.recoveryMs, `caught up: ${context}`).toBeDefined();
      expect(result.lost, `changes lost: ${context}`).toBe(0);
      expect(result.survived, `pipeline process: ${result.pipeline}; ${context}`).toBe(true);
      expect(result.passed).toBe(true);
    });
  }
});
