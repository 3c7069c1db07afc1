/**
 * The tables a Debezium connector config captures, and that config with a table added or removed,
 * pure. `table.include.list` is a comma-separated list of regular expressions, each matched
 * against the whole `schema.table`, ignoring case (Debezium's RelationalTableFilters). The config
 * also gets what backfilling needs: a signal table (`signal.data.collection`), which Debezium
 * captures by itself, and notifications to Kafka, which tell how an incremental snapshot goes.
 */
import type { TableRef } from '../../types.js';

export type ConnectorConfig = Readonly<Record<string, string>>;

export const INCLUDE_LIST = 'table.include.list';
/** Filters that add-table does not edit: with one of them set, a table is added by hand. */
const OTHER_FILTERS = ['table.exclude.list', 'schema.include.list', 'schema.exclude.list'] as const;

/** Where the shipped connector's signal table is (debezium-config/postgres-connector.json, init-scripts). */
export const DEFAULT_SIGNAL_TABLE = 'public.debezium_signal';

export const qualifiedName = ({ schema, table }: TableRef): string => `${schema}.${table}`;

/** `schema.table` as an include-list entry: other regular-expression characters escaped. */
const entryOf = (ref: TableRef): string => qualifiedName(ref).replace(/[\\^$*+?()[\]{}|]/g, '\\$&');

const entries = (config: ConnectorConfig): string[] =>
  (config[INCLUDE_LIST] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');

/** The include-list entry that captures `ref`, or undefined. */
function matchingEntry(config: ConnectorConfig, ref: TableRef): string | undefined {
  const name = qualifiedName(ref);
  return entries(config).find((entry) => {
    try {
      return new RegExp(`^(?:${entry})$`, 'i').test(name);
    } catch {
      return entry.toLowerCase() === name.toLowerCase(); // Not a JavaScript pattern: compare the text.
    }
  });
}

function refuseOtherFilters(config: ConnectorConfig, ref: TableRef, verb: string): void {
  const other = OTHER_FILTERS.find((name) => config[name] !== undefined && config[name] !== '');
  if (other !== undefined && config[INCLUDE_LIST] === undefined)
    throw new Error(
      `the connector selects its tables with ${other}, which ${verb} does not edit\n` +
        `  fix: ${verb === 'add-table' ? 'include' : 'exclude'} ${qualifiedName(ref)} there by hand (Connect's PUT /connectors/<name>/config)`,
    );
}

/** Whether the connector captures the table. With no filter at all, Debezium captures every table. */
export function captures(config: ConnectorConfig, ref: TableRef): boolean {
  if (config[INCLUDE_LIST] === undefined) return !OTHER_FILTERS.some((name) => config[name]);
  return matchingEntry(config, ref) !== undefined;
}

/** The config with `ref` in its include list (the same config when it is captured already). */
export function withTable(config: ConnectorConfig, ref: TableRef): ConnectorConfig {
  refuseOtherFilters(config, ref, 'add-table');
  if (captures(config, ref)) return config;
  return { ...config, [INCLUDE_LIST]: [...entries(config), entryOf(ref)].join(',') };
}

/** The config without `ref` in its include list; refused when a pattern, not the table's own entry, captures it. */
export function withoutTable(config: ConnectorConfig, ref: TableRef): ConnectorConfig {
  refuseOtherFilters(config, ref, 'remove-table');
  if (config[INCLUDE_LIST] === undefined)
    throw new Error(
      `the connector has no ${INCLUDE_LIST}, so it captures every table\n` +
        `  fix: give it a ${INCLUDE_LIST} of the tables to keep`,
    );
  const own = entryOf(ref).toLowerCase();
  const kept = entries(config).filter(
    (entry) => entry.toLowerCase() !== own && entry.toLowerCase() !== qualifiedName(ref).toLowerCase(),
  );
  const next = { ...config, [INCLUDE_LIST]: kept.join(',') };
  const still = matchingEntry(next, ref);
  if (still !== undefined)
    throw new Error(
      `${qualifiedName(ref)} is captured by the pattern "${still}" of ${INCLUDE_LIST}\n` +
        '  fix: narrow that pattern by hand, so that it leaves the table out',
    );
  return next;
}

export interface Signalling {
  readonly config: ConnectorConfig;
  /** The signal table, `schema.table`. */
  readonly signalTable: TableRef;
  /** The Kafka topic of the connector's notifications. */
  readonly notificationTopic: string;
}

/**
 * The config with signalling and Kafka notifications on: the signal table it names (or the shipped
 * one), and notifications to its topic (or `__debezium-notification.<topic.prefix>`, outside the
 * pipeline's `<prefix>.<schema>.<table>` pattern).
 */
export function withSignalling(config: ConnectorConfig): Signalling {
  const signal = config['signal.data.collection'] || DEFAULT_SIGNAL_TABLE;
  const dot = signal.indexOf('.');
  const signalTable = { schema: signal.slice(0, dot), table: signal.slice(dot + 1) };
  const channels = (config['notification.enabled.channels'] ?? '')
    .split(',')
    .map((channel) => channel.trim())
    .filter((channel) => channel !== '');
  const notificationTopic =
    config['notification.sink.topic.name'] ||
    `__debezium-notification.${config['topic.prefix'] ?? 'dbserver1'}`;
  return {
    signalTable,
    notificationTopic,
    config: {
      ...config,
      'signal.data.collection': signal,
      'notification.enabled.channels': channels.includes('sink')
        ? channels.join(',')
        : [...channels, 'sink'].join(','),
      'notification.sink.topic.name': notificationTopic,
    },
  };
}

/** Whether two configs are the same (a PUT of the same config still restarts the connector). */
export const sameConfig = (a: ConnectorConfig, b: ConnectorConfig): boolean =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(a).every(([key, value]) => b[key] === value);
