/** `npm run connector:status`: the Debezium connector and its tasks, with a failed task's trace. */
import { Command } from 'commander';
import { resolveUrls } from '../../infra/stack/config.js';
import { connectorConfig, connectorStatus, readConnectorFile } from '../../infra/stack/connect.js';

const program = new Command('connector:status')
  .description(
    'Show the Debezium connector of debezium-config/postgres-connector.json on Kafka Connect (CONNECT_URL).',
  )
  .option('--name <name>', 'connector name (default: the one in debezium-config/postgres-connector.json)')
  .action(async ({ name }: { name?: string }) => {
    const connectUrl = resolveUrls().CONNECT_URL;
    const connector = readConnectorFile();
    const wanted = name ?? connector.name;
    const status = await connectorStatus(connectUrl, wanted).catch((error: Error) => {
      throw new Error(
        `cannot reach Kafka Connect at ${connectUrl}: ${error.message}\n  fix: npm run stack:up, or set CONNECT_URL`,
      );
    });
    if (!status) {
      throw new Error(
        `connector ${wanted} is not registered on ${connectUrl}\n  fix: npm run stack:up registers it`,
      );
    }
    // What the connector runs with, not what the file says: a table may have been added by REST.
    const config = (await connectorConfig(connectUrl, wanted)) ?? connector.config;
    console.log(`Connector ${status.name} on ${connectUrl}`);
    console.log(`  connector: ${status.connector.state} (worker ${status.connector.worker_id ?? '?'})`);
    console.log(`  tables:    ${config['table.include.list'] ?? '(all)'}`);
    console.log(`  topics:    ${config['topic.prefix']}.<schema>.<table>`);
    for (const task of status.tasks)
      console.log(`  task ${task.id}:    ${task.state} (worker ${task.worker_id ?? '?'})`);
    if (status.tasks.length === 0)
      console.log('  no tasks: the connector has not started any (see the Connect log)');
    const traces = [status.connector.trace, ...status.tasks.map((task) => task.trace)].filter(Boolean);
    for (const trace of traces) console.log(`\nError trace:\n${trace}`);
    const healthy =
      status.connector.state === 'RUNNING' &&
      status.tasks.length > 0 &&
      status.tasks.every((task) => task.state === 'RUNNING');
    if (!healthy) {
      console.log(
        '\nfix: read the trace above; restart with `curl -X POST "$CONNECT_URL/connectors/<name>/restart?includeTasks=true"`, or `npm run stack:reset` for a clean start',
      );
      process.exitCode = 1;
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
