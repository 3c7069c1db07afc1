/** The compose topology through testcontainers, for machines with a Docker engine. */
import path from 'node:path';
import { DockerComposeEnvironment, getContainerRuntimeClient } from 'testcontainers';
import { COMPOSE_FILE } from '../stack/config.js';
import { ensureConnector } from '../stack/connector.js';
import { localUrls } from '../stack/config.js';
import { StackError } from '../stack/stack-error.js';

export async function startComposeStack(): Promise<{ down: () => Promise<void> }> {
  try {
    await getContainerRuntimeClient();
  } catch (error) {
    throw new StackError(
      'testcontainers',
      `no Docker engine answers: ${(error as Error).message}`,
      'start Docker, or run the tests on the native stack (unset CDC_TEST_STACK)',
    );
  }
  const environment = await new DockerComposeEnvironment(
    path.dirname(COMPOSE_FILE),
    path.basename(COMPOSE_FILE),
  ).up();
  await ensureConnector(localUrls().CONNECT_URL, undefined);
  return { down: async () => void (await environment.down()) };
}
