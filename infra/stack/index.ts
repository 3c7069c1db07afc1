/**
 * The stack commands behind `npm run stack:*`, for each mode: native (default), docker, external.
 */
import { resolveUrls, stackMode, stackPaths, URL_NAMES, type StackUrls } from './config.js';
import { ensureConnector } from './connector.js';
import { dockerDown, dockerReset, dockerUp } from './docker.js';
import { nativeDown, nativeReset, nativeStatus, nativeUp, type Progress } from './native.js';
import { formatParts, type PartStatus } from './parts.js';
import { probeParts } from './probes.js';
import { ensureSecureMaterial, secureEnv, securePorts, secureRequested } from './secure.js';
import { StackError } from './stack-error.js';

export { StackError } from './stack-error.js';
export { resolveUrls, stackMode, localUrls, type StackUrls, type StackMode } from './config.js';

export async function stackStatus(): Promise<PartStatus[]> {
  return stackMode() === 'native' ? nativeStatus() : probeParts(resolveUrls());
}

export function isHealthy(parts: readonly PartStatus[]): boolean {
  return parts.every((part) => part.state === 'running');
}

export async function stackUp(progress: Progress): Promise<StackUrls> {
  const mode = stackMode();
  if (mode === 'native') await nativeUp(progress);
  else if (mode === 'docker') await dockerUp(progress);
  else {
    const urls = resolveUrls();
    const down = (await probeParts(urls)).filter(
      (part) => part.part !== 'connector' && part.state !== 'running',
    );
    if (down.length > 0) {
      throw new StackError(
        'external',
        `not reachable: ${down.map((part) => `${part.part} (${part.listen})`).join(', ')}`,
        `set ${URL_NAMES.join(', ')} to reachable services, or use the native stack: unset CDC_STACK`,
      );
    }
    const source = new URL(urls.SOURCE_DATABASE_URL);
    await ensureConnector(urls.CONNECT_URL, { hostname: source.hostname, port: Number(source.port || 5432) });
  }
  return resolveUrls();
}

export async function stackDown(progress: Progress): Promise<void> {
  const mode = stackMode();
  if (mode === 'native') await nativeDown(progress);
  else if (mode === 'docker') await dockerDown();
  else progress('  external stack: nothing of ours to stop');
}

export async function stackReset(progress: Progress): Promise<void> {
  const mode = stackMode();
  if (mode === 'native') await nativeReset(progress);
  else if (mode === 'docker') await dockerReset(progress);
  else throw new StackError('external', 'an external stack is not ours to reset', 'reset it where it runs');
}

export function envLines(urls: StackUrls = resolveUrls()): string {
  const lines = URL_NAMES.map((name) => `export ${name}='${urls[name]}'`);
  if (stackMode() !== 'native' || !secureRequested()) return lines.join('\n');
  // Secure mode: the pipeline and the tools over SASL_SSL to the TLS-only target (later exports win).
  const secure = secureEnv(ensureSecureMaterial(stackPaths()), securePorts());
  return [
    ...lines,
    '# secure mode: SASL_SSL (SCRAM-SHA-512, client certificate) and the TLS-only target',
    ...Object.entries(secure).map(([name, value]) => `export ${name}='${value}'`),
  ].join('\n');
}

export function logsFolder(): string {
  return stackPaths().logs;
}

export { formatParts };
