/**
 * One test file's run of the service as child processes, on objects of its own: a fidelity run (a
 * schema, consumer groups under one prefix) and its main Debezium connector. It gives the
 * service's environment for the run's groups and tables, starts services and keeps those still
 * running, waits for the target to equal the source, and tears it all down: what a failed test left
 * running first, then the run's positions and tombstones in the target, then the run itself.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { waitForConvergence } from './compare.js';
import {
  connectorConfig,
  connectorsOf,
  newRun,
  startConnector,
  tableTopic,
  teardownRun,
  type FidelityConnector,
  type FidelityRun,
} from './fidelity-stack.js';
import { NO_DIFFERENCE } from './fidelity-compare.js';
import { startService, type ServiceProcess } from './service-process.js';
import { target } from './stack.js';

/** How long services left running get to leave their group after SIGTERM, before SIGKILL. */
const LEAVE_TIMEOUT_MS = 30_000;

export const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface ServiceRun {
  readonly run: FidelityRun;
  readonly connector: FidelityConnector;
  /** The schema of the run's tables, in source and target. */
  readonly schema: string;
  /** `<topic.prefix>.<schema>.<table>` of one of the run's tables. */
  topic(table: string): string;
  /** The run's consumer group called `name`. */
  group(name: string): string;
  /** Registers the connector over the run's `tables` (`options` on top) and waits until it runs. */
  startConnector(tables: readonly string[], options?: Readonly<Record<string, string>>): Promise<void>;
  /**
   * The service's environment: group `group` reading exactly the topics of `tables`, no metrics
   * endpoint (several services and test files share the machine), `extra` on top.
   */
  env(
    group: string,
    tables: readonly string[],
    extra?: Readonly<Record<string, string>>,
  ): Record<string, string>;
  /** Starts a service (see support/service-process.ts), kept until it exits. */
  start(env: Record<string, string>, logName: string): ServiceProcess;
  /** Waits until the run's `tables` equal the source's, then asserts it (the differences show if not). */
  expectConverged(tables: readonly string[], timeoutMs: number, what?: string): Promise<void>;
  /** Stops what still runs, deletes the run's positions and tombstones, tears the run down; its problems. */
  teardown(): Promise<string[]>;
}

export function serviceRun(): ServiceRun {
  const run = newRun();
  const { main } = connectorsOf(run);
  const schema = run.schema;
  const running = new Set<ServiceProcess>();
  const topic = (table: string): string => tableTopic(main, schema, table);
  const group = (name: string): string => `${run.groupPrefix}${name}`;
  const qualified = (tables: readonly string[]): string[] => tables.map((table) => `${schema}.${table}`);
  return {
    run,
    connector: main,
    schema,
    topic,
    group,
    startConnector: (tables, options = {}) =>
      startConnector(main, connectorConfig(main, qualified(tables), options)),
    env: (name, tables, extra = {}) => ({
      PIPELINE_GROUP_ID: group(name),
      PIPELINE_TOPIC_PATTERN: `^(${tables.map(topic).map(escapeRegex).join('|')})$`,
      PIPELINE_TOPIC_PREFIX: main.topicPrefix,
      PIPELINE_METRICS_PORT: '0',
      ...extra,
    }),
    start(env, logName) {
      const service = startService(env, logName);
      running.add(service);
      void service.exited.then(() => running.delete(service));
      return service;
    },
    async expectConverged(tables, timeoutMs, what) {
      const diffs = await waitForConvergence(qualified(tables), timeoutMs);
      expect(diffs, what).toEqual(
        Object.fromEntries(qualified(tables).map((table) => [table, NO_DIFFERENCE])),
      );
    },
    async teardown() {
      // SIGTERM first, so that they leave the group and it can be deleted.
      for (const service of running) service.child.kill('SIGTERM');
      await Promise.race([
        Promise.all([...running].map((service) => service.exited)),
        sleep(LEAVE_TIMEOUT_MS),
      ]);
      for (const service of running) service.child.kill('SIGKILL');
      await target(async (db) => {
        await db
          .query('DELETE FROM public.cdc_positions WHERE group_id LIKE $1', [`${run.groupPrefix}%`])
          .catch(() => undefined);
        await db
          .query('DELETE FROM public.cdc_deleted_keys WHERE schema_name = $1', [schema])
          .catch(() => undefined);
      });
      return teardownRun(run);
    },
  };
}
