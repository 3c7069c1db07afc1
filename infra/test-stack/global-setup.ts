/**
 * Vitest global setup of the integration project: hands every test a running stack.
 *
 * CDC_TEST_STACK picks where it comes from:
 *   native (default)  reuse the native stack when it runs, else start it (and stop it afterwards)
 *   testcontainers    infra/docker-compose.yaml through testcontainers (needs a Docker engine)
 *   external          the URLs in SOURCE_DATABASE_URL, TARGET_DATABASE_URL, KAFKA_BROKERS, CONNECT_URL
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import {
  isHealthy,
  localUrls,
  resolveUrls,
  stackDown,
  stackStatus,
  stackUp,
  StackError,
  type StackUrls,
} from '../stack/index.js';
import { startComposeStack } from './compose.js';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackUrls;
  }
}

const TEST_STACK_MODES = ['native', 'testcontainers', 'external'] as const;
type TestStackMode = (typeof TEST_STACK_MODES)[number];

function testStackMode(): TestStackMode {
  const raw = process.env.CDC_TEST_STACK ?? 'native';
  if (!(TEST_STACK_MODES as readonly string[]).includes(raw)) {
    throw new RangeError(
      `CDC_TEST_STACK=${raw} is not a test stack mode: use one of ${TEST_STACK_MODES.join(', ')}`,
    );
  }
  return raw as TestStackMode;
}

const log = (line: string): void => console.log(`[stack] ${line}`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mode = testStackMode();
  let teardown = async (): Promise<void> => undefined;
  let urls: StackUrls;
  try {
    if (mode === 'external') {
      urls = resolveUrls();
    } else if (mode === 'testcontainers') {
      const compose = await startComposeStack();
      urls = localUrls();
      teardown = compose.down;
    } else if (isHealthy(await stackStatus())) {
      log('reusing the running native stack');
      urls = localUrls();
    } else {
      log('starting the native stack (it is stopped again after the tests)');
      urls = await stackUp(log);
      teardown = () => stackDown(log);
    }
  } catch (error) {
    if (error instanceof StackError) console.error(error.report());
    throw error;
  }
  project.provide('stack', urls);
  return teardown;
}
