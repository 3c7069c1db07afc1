/**
 * Everything the service shows about itself, set up in one call: the metrics it records, and the
 * HTTP endpoint that serves them with /livez and /readyz (unless PIPELINE_METRICS_PORT is 0).
 */
import type { PipelineConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { OutageMonitor } from '../outage.js';
import { PipelineMetrics } from './pipeline-metrics.js';
import { checkReadiness } from './readiness.js';
import { startMetricsServer, type MetricsServer } from './server.js';

export interface Observability {
  readonly metrics: PipelineMetrics;
  /** The endpoint, when it listens. */
  readonly server: MetricsServer | undefined;
  close(): Promise<void>;
}

export async function startObservability(options: {
  readonly config: PipelineConfig;
  readonly logger: Logger;
  readonly outage: OutageMonitor;
  /** A trivial query on the target, for /readyz. */
  readonly probeTarget: () => Promise<unknown>;
}): Promise<Observability> {
  const { config, logger, outage, probeTarget } = options;
  const metrics = new PipelineMetrics({ outages: () => outage.current() });
  const server =
    config.PIPELINE_METRICS_PORT === 0
      ? undefined
      : await startMetricsServer({
          host: config.PIPELINE_METRICS_HOST,
          port: config.PIPELINE_METRICS_PORT,
          registry: metrics.registry,
          logger,
          readiness: () =>
            checkReadiness({
              assignedPartitions: () => metrics.assignedPartitions,
              outages: () => outage.current(),
              lastFailure: () => outage.lastFailure(),
              probeTarget,
            }),
        });
  return { metrics, server, close: async () => server?.close() };
}
