/**
 * The chaos stack ready for measuring: running (started here when it was not, and then stopped by
 * `release`), with the chaos columns installed and the audit trigger on or off.
 */
import { bringDown, bringUp, chaosStack, stackRunning, type ChaosStack } from './chaos-stack.js';
import { withClient } from './db.js';
import { installChaosSchema, setAudit } from './schema.js';

export interface PreparedStack {
  readonly stack: ChaosStack;
  /** Stops the stack if this run started it (and was not asked to keep it). */
  release(): void;
}

export async function prepareChaosStack(
  say: (line: string) => void,
  { keepStack, audit }: { keepStack: boolean; audit: boolean },
): Promise<PreparedStack> {
  const stack = chaosStack();
  const startedHere = !stackRunning(stack);
  if (startedHere) {
    say(
      `starting the chaos stack in ${stack.paths.root} (source ${stack.ports.source}, kafka ${stack.ports.kafka})`,
    );
    bringUp(stack);
  } else say(`reusing the running chaos stack in ${stack.paths.root}`);
  const release = (): void => {
    if (startedHere && !keepStack) {
      say('stopping the chaos stack');
      bringDown(stack);
    }
  };
  try {
    await withClient(stack.urls.SOURCE_DATABASE_URL, (source) =>
      withClient(stack.urls.TARGET_DATABASE_URL, async (target) => {
        await installChaosSchema(source, target);
        await setAudit(target, audit);
      }),
    );
  } catch (error) {
    release();
    throw error;
  }
  return { stack, release };
}
