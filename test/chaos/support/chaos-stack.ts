/**
 * The chaos suite's own native stack: its own state folder and ports, so the faults it injects never
 * touch the stack a user (or another test run) works with. Brought up and down by the project's
 * own `npm run stack:*` commands, run as children with the chaos folder and ports in their environment.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  localUrls,
  PROJECT_ROOT,
  stackPaths,
  type Ports,
  type StackPaths,
  type StackUrls,
} from '../../../infra/stack/config.js';

export interface ChaosStack {
  readonly paths: StackPaths;
  readonly ports: Ports;
  readonly urls: StackUrls;
}

/** Default ports: the shared stack's + 10000, so both can run side by side. */
const CHAOS_PORTS: Ports = {
  source: 25432,
  target: 25433,
  kafka: 29092,
  kafkaController: 29093,
  connect: 28083,
};

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new RangeError(`${name}=${raw} is not a TCP port`);
  return value;
}

/** CHAOS_STACK_DIR and CHAOS_*_PORT move the chaos stack; the defaults sit beside the shared one. */
export function chaosStack(env: NodeJS.ProcessEnv = process.env): ChaosStack {
  const ports: Ports = {
    source: port('CHAOS_SOURCE_PORT', CHAOS_PORTS.source),
    target: port('CHAOS_TARGET_PORT', CHAOS_PORTS.target),
    kafka: port('CHAOS_KAFKA_PORT', CHAOS_PORTS.kafka),
    kafkaController: port('CHAOS_KAFKA_CONTROLLER_PORT', CHAOS_PORTS.kafkaController),
    connect: port('CHAOS_CONNECT_PORT', CHAOS_PORTS.connect),
  };
  const root = env.CHAOS_STACK_DIR || path.join(PROJECT_ROOT, '.stack-chaos');
  return { paths: stackPaths(root), ports, urls: localUrls(ports) };
}

/** The environment under which the project's stack command manages this stack. */
function stackCommandEnv(stack: ChaosStack): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CDC_STACK: 'native',
    CDC_STACK_DIR: stack.paths.root,
    CDC_SOURCE_PORT: String(stack.ports.source),
    CDC_TARGET_PORT: String(stack.ports.target),
    CDC_KAFKA_PORT: String(stack.ports.kafka),
    CDC_KAFKA_CONTROLLER_PORT: String(stack.ports.kafkaController),
    CDC_CONNECT_PORT: String(stack.ports.connect),
  };
}

function stackCommand(stack: ChaosStack, command: 'up' | 'down' | 'status'): { ok: boolean; output: string } {
  try {
    // Through npm, so the suite follows the stack commands wherever package.json points them.
    const output = execFileSync('npm', ['run', '--silent', `stack:${command}`], {
      cwd: PROJECT_ROOT,
      env: stackCommandEnv(stack),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, output };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** `stack:status` exits 0 only when every part, the connector included, runs. */
export const stackRunning = (stack: ChaosStack): boolean => stackCommand(stack, 'status').ok;

export function bringUp(stack: ChaosStack): void {
  const { ok, output } = stackCommand(stack, 'up');
  if (!ok) throw new Error(`the chaos stack did not start:\n${output}`);
}

export function bringDown(stack: ChaosStack): void {
  const { ok, output } = stackCommand(stack, 'down');
  if (!ok) throw new Error(`the chaos stack did not stop cleanly:\n${output}`);
}
