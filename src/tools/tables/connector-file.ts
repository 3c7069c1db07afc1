/**
 * The connector's file (debezium-config/postgres-connector.json in the project), kept in step with
 * the running connector: `npm run stack:up` registers the file again, which would otherwise undo an
 * added table. Only the keys a change touches are written; the rest stays as it is.
 */
import fs from 'node:fs';
import type { ConnectorConfig } from './connector-tables.js';

interface ConnectorFile {
  readonly name: string;
  readonly config: ConnectorConfig;
}

/**
 * Applies `change` to the file's config and writes it when it differs. Returns whether it changed;
 * undefined when there is no such file (an installed package has none: nothing to keep in step).
 */
export function updateConnectorFile(
  file: string,
  change: (config: ConnectorConfig) => ConnectorConfig,
): boolean | undefined {
  if (!fs.existsSync(file)) return undefined;
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ConnectorFile;
  if (typeof parsed.config !== 'object' || parsed.config === null)
    throw new Error(`${file} must hold {"name": "...", "config": {...}}`);
  const next = change(parsed.config);
  const changed = Object.entries(next).some(([key, value]) => parsed.config[key] !== value);
  if (changed) fs.writeFileSync(file, `${JSON.stringify({ ...parsed, config: next }, null, 2)}\n`);
  return changed;
}
