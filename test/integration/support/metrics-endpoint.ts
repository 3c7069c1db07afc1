/** The service's /metrics and /readyz as a test reads them, and a free port to put them on. */
import net from 'node:net';
import { parseMetrics, type Sample } from '../../../src/metrics/parse-text.js';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function scrape(port: number): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}

export interface ReadyzAnswer {
  readonly status: number;
  readonly body: { readonly status: string; readonly ready: boolean; readonly reasons: readonly string[] };
}

export async function readyz(port: number): Promise<ReadyzAnswer> {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: response.status, body: (await response.json()) as ReadyzAnswer['body'] };
}
