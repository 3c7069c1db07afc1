/** `cdc-pipeline status [--name N]`: the Debezium connector and its tasks, with a failed task's trace. */
import { Command } from 'commander';
import { resolveConnections } from '../connection.js';
import { DEFAULT_CONNECTOR_NAME } from '../defaults.js';
import { connectorConfig, connectorStatus, isRunning } from '../tools/connect-rest.js';

export function statusCommand(): Command {
  return new Command('status')
    .description('Show a Debezium connector on Kafka Connect (CONNECT_URL): its state, tables and tasks.')
    .option('--name <name>', 'connector name', DEFAULT_CONNECTOR_NAME)
    .action(async ({ name }: { name: string }) => {
      const connectUrl = resolveConnections().CONNECT_URL;
      const status = await connectorStatus(connectUrl, name).catch((error: Error) => {
        throw new Error(
          `cannot reach Kafka Connect at ${connectUrl}: ${error.message}\n  fix: start it (npm run stack:up in the project), or set CONNECT_URL`,
        );
      });
      if (!status) {
        throw new Error(
          `connector ${name} is not registered on ${connectUrl}\n  fix: register it (npm run stack:up in the project does), or pass --name`,
        );
      }
      // What the connector runs with, not what a file says: a table may have been added by REST.
      const config = (await connectorConfig(connectUrl, name)) ?? {};
      console.log(`Connector ${status.name} on ${connectUrl}`);
      console.log(`  connector: ${status.connector.state} (worker ${status.connector.worker_id ?? '?'})`);
      console.log(`  tables:    ${config['table.include.list'] ?? '(all)'}`);
      console.log(`  topics:    ${config['topic.prefix'] ?? '?'}.<schema>.<table>`);
      for (const task of status.tasks)
        console.log(`  task ${task.id}:    ${task.state} (worker ${task.worker_id ?? '?'})`);
      if (status.tasks.length === 0)
        console.log('  no tasks: the connector has not started any (see the Connect log)');
      const traces = [status.connector.trace, ...status.tasks.map((task) => task.trace)].filter(Boolean);
      for (const trace of traces) console.log(`\nError trace:\n${trace}`);
      if (!isRunning(status)) {
        console.log(
          '\nfix: read the trace above; restart with `curl -X POST "$CONNECT_URL/connectors/<name>/restart?includeTasks=true"`, or `npm run stack:reset` for a clean start',
        );
        process.exitCode = 1;
      }
    });
}
