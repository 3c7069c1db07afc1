/**
 * The stack as the demo finds it and leaves it: brought up when it is not running, and stopped at
 * the end only when the demo started all of it (and the user did not ask to keep it).
 */
import { isHealthy, stackDown, stackStatus, stackUp } from '../stack/index.js';

export interface StackSession {
  /** Nothing was running before: the demo started every part. */
  readonly startedByDemo: boolean;
  /** Some parts were running, some not: the demo completed the stack. */
  readonly completedByDemo: boolean;
}

export type StackOutcome = 'was-running' | 'kept' | 'stopped' | 'completed';

export async function openStack(say: (line: string) => void): Promise<StackSession> {
  const before = await stackStatus();
  if (isHealthy(before)) {
    say('  ✓ stack already running: it stays running afterwards');
    return { startedByDemo: false, completedByDemo: false };
  }
  const running = before.filter((part) => part.state === 'running').map((part) => part.part);
  say(
    running.length === 0
      ? '  the stack is not running: starting it (it is stopped again at the end unless --keep)'
      : `  the stack is partly running (${running.join(', ')}): starting the rest`,
  );
  const started = Date.now();
  await stackUp((line) => say(`  ${line}`)).catch(async (error: unknown) => {
    // Leave it as found: what this failed start brought up is stopped again.
    if (running.length === 0) await stackDown(() => undefined).catch(() => undefined);
    throw error;
  });
  say(`  ✓ stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { startedByDemo: running.length === 0, completedByDemo: running.length > 0 };
}

export async function closeStack(
  session: StackSession,
  keep: boolean,
  say: (line: string) => void,
): Promise<StackOutcome> {
  if (!session.startedByDemo) return session.completedByDemo ? 'completed' : 'was-running';
  if (keep) return 'kept';
  say('Stopping the stack the demo started (npm run demo -- --keep leaves it running)…');
  await stackDown((line) => say(`  ${line}`));
  return 'stopped';
}
