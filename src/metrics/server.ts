/**
 * The service's HTTP endpoint (node:http, nothing more is needed):
 *   GET /metrics  the Prometheus text format (prom-client)
 *   GET /livez    200 while the process runs its event loop
 *   GET /readyz   200 when ready, 503 when not, with the reasons as JSON either way
 * A port already in use does not stop the service: it applies changes without the endpoint and
 * says so, since two pipelines on one host (a test, a demo) are common and applying matters more.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import type { Readiness } from './readiness.js';

export interface MetricsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  readonly readiness: () => Promise<Readiness>;
  readonly logger: Logger;
}

export interface MetricsServer {
  /** The port it listens on (the one asked for, or the one chosen for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Starts listening; resolves undefined (after a warning) when the port cannot be bound. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer | undefined> {
  const { host, port, logger } = options;
  const server = http.createServer((request, response) => {
    handle(options, request.method ?? 'GET', new URL(request.url ?? '/', 'http://localhost').pathname)
      .then(({ status, type, body }) => {
        response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        response.end(body);
      })
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'metrics endpoint: request failed');
        if (!response.headersSent) response.writeHead(500, { 'content-type': JSON_TYPE });
        response.end(JSON.stringify({ error: 'internal error' }));
      });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    logger.warn(
      { err: error, host, port },
      `metrics endpoint not started: cannot listen on ${host}:${port} (set PIPELINE_METRICS_PORT to a free port, or 0 for none)`,
    );
    return undefined;
  }
  const bound = (server.address() as AddressInfo).port;
  logger.info(
    { host, port: bound },
    `metrics on http://${host}:${bound}/metrics, health on /livez and /readyz`,
  );
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper's keep-alive connection would hold close() open until it times out.
        server.closeAllConnections();
      }),
  };
}

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

async function handle(options: MetricsServerOptions, method: string, path: string): Promise<Answer> {
  if (method !== 'GET' && method !== 'HEAD')
    return { status: 405, type: JSON_TYPE, body: '{"error":"GET only"}' };
  switch (path) {
    case '/metrics':
      return {
        status: 200,
        type: options.registry.contentType,
        body: await options.registry.metrics(),
      };
    case '/livez':
      return { status: 200, type: JSON_TYPE, body: '{"status":"live"}' };
    case '/readyz': {
      const readiness = await options.readiness();
      return {
        status: readiness.ready ? 200 : 503,
        type: JSON_TYPE,
        body: JSON.stringify({ status: readiness.ready ? 'ready' : 'not ready', ...readiness }),
      };
    }
    default:
      return { status: 404, type: JSON_TYPE, body: '{"error":"not found: try /metrics, /livez or /readyz"}' };
  }
}
