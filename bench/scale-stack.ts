/**
 * `npm run bench:scale`'s own native stack (.stack-scale, ports 46xxx), so a run neither disturbs
 * the stacks others work on nor is disturbed by them. Its settings override any CDC_* variable of
 * the caller's shell: the run stops this stack at the end, and must never stop another.
 */
import path from 'node:path';
import { PROJECT_ROOT } from '../infra/stack/config.js';
import { stackDown, stackUp, type StackUrls } from '../infra/stack/index.js';

export const SCALE_STACK_ENV: Readonly<Record<string, string>> = {
  CDC_STACK: 'native',
  CDC_STACK_DIR: path.join(PROJECT_ROOT, '.stack-scale'),
  CDC_SOURCE_PORT: '46432',
  CDC_TARGET_PORT: '46433',
  CDC_KAFKA_PORT: '46092',
  CDC_KAFKA_CONTROLLER_PORT: '46093',
  CDC_CONNECT_PORT: '46083',
};

function useScaleStack(): void {
  for (const [name, value] of Object.entries(SCALE_STACK_ENV)) process.env[name] = value;
  // The URL variables would point the tools elsewhere than the stack this process starts.
  for (const name of ['SOURCE_DATABASE_URL', 'TARGET_DATABASE_URL', 'KAFKA_BROKERS', 'CONNECT_URL'])
    delete process.env[name];
}

export async function scaleStackUp(say: (line: string) => void): Promise<StackUrls> {
  useScaleStack();
  say(`Scale bench stack in ${process.env.CDC_STACK_DIR} (ports ${process.env.CDC_SOURCE_PORT}…)…`);
  return stackUp(say);
}

export async function scaleStackDown(say: (line: string) => void): Promise<void> {
  useScaleStack();
  await stackDown(say);
}
