/**
 * The bench's own native stack (.stack-bench, ports 45xxx), so a run never disturbs the stacks
 * others work on, and they never disturb its target. It asks for the peer (the Debezium JDBC sink
 * in the worker's plugin path, client overrides allowed). Its settings override any CDC_* variable
 * of the caller's shell: the bench stops its stack at the end, and must never stop another.
 */
import path from 'node:path';
import { PROJECT_ROOT } from '../infra/stack/config.js';
import { stackDown, stackUp, type StackUrls } from '../infra/stack/index.js';

export const BENCH_STACK_ENV: Readonly<Record<string, string>> = {
  CDC_STACK: 'native',
  CDC_STACK_DIR: path.join(PROJECT_ROOT, '.stack-bench'),
  CDC_SOURCE_PORT: '45432',
  CDC_TARGET_PORT: '45433',
  CDC_KAFKA_PORT: '49092',
  CDC_KAFKA_CONTROLLER_PORT: '49093',
  CDC_CONNECT_PORT: '48083',
  CDC_CONNECT_SINK_PEER: '1',
  // Kafka's default: two instances (or the peer's tasks) started together join one generation.
  CDC_KAFKA_INITIAL_REBALANCE_DELAY_MS: '3000',
};

/** Sets the bench stack's variables in this process; children inherit them. */
export function useBenchStack(): void {
  for (const [name, value] of Object.entries(BENCH_STACK_ENV)) process.env[name] = value;
  // The URL variables would point the tools elsewhere than the stack this process starts.
  for (const name of ['SOURCE_DATABASE_URL', 'TARGET_DATABASE_URL', 'KAFKA_BROKERS', 'CONNECT_URL'])
    delete process.env[name];
}

export async function benchStackUp(say: (line: string) => void): Promise<StackUrls> {
  useBenchStack();
  say(`Bench stack in ${process.env.CDC_STACK_DIR} (ports ${process.env.CDC_SOURCE_PORT}…)…`);
  return stackUp(say);
}

export async function benchStackDown(say: (line: string) => void): Promise<void> {
  // Without these the stack commands would name the shared default stack.
  useBenchStack();
  await stackDown(say);
}
