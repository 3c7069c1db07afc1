/** The connector config with a table added or removed: what add-table and remove-table put back. */
import { describe, expect, it } from 'vitest';
import {
  captures,
  withSignalling,
  withTable,
  withoutTable,
  type ConnectorConfig,
} from '../../src/tools/tables/connector-tables.js';

const shipped: ConnectorConfig = {
  'topic.prefix': 'dbserver1',
  'table.include.list': 'public.users,public.orders',
};
const ref = (schema: string, table: string) => ({ schema, table });

describe('captures', () => {
  it('matches each include-list entry against the whole schema.table, ignoring case, as Debezium does', () => {
    expect(captures(shipped, ref('public', 'users'))).toBe(true);
    expect(captures(shipped, ref('PUBLIC', 'Users'))).toBe(true);
    expect(captures(shipped, ref('public', 'users_archive'))).toBe(false);
    expect(captures({ 'table.include.list': 'inventory\\..*' }, ref('inventory', 'orders'))).toBe(true);
  });

  it('takes a connector without filters as capturing every table, and one with another filter as not known', () => {
    expect(captures({}, ref('any', 'table'))).toBe(true);
    expect(captures({ 'schema.include.list': 'sales' }, ref('any', 'table'))).toBe(false);
  });
});

describe('withTable', () => {
  it('appends the table once; a table already captured leaves the config as it is', () => {
    const added = withTable(shipped, ref('inventory', 'products'));
    expect(added['table.include.list']).toBe('public.users,public.orders,inventory.products');
    expect(withTable(added, ref('inventory', 'products'))).toBe(added);
  });

  it('escapes regular-expression characters of a name, other than the dot', () => {
    expect(withTable(shipped, ref('s', 'a$b'))['table.include.list']).toBe(
      'public.users,public.orders,s.a\\$b',
    );
  });

  it('refuses a connector that selects its tables another way, naming the filter', () => {
    expect(() => withTable({ 'schema.include.list': 'sales' }, ref('inventory', 'orders'))).toThrow(
      'the connector selects its tables with schema.include.list, which add-table does not edit',
    );
  });
});

describe('withoutTable', () => {
  it('removes the entry of the table', () => {
    expect(withoutTable(shipped, ref('public', 'orders'))['table.include.list']).toBe('public.users');
  });

  it('refuses when a pattern, not the table itself, captures it', () => {
    expect(() =>
      withoutTable({ 'table.include.list': 'inventory\\..*' }, ref('inventory', 'orders')),
    ).toThrow('inventory.orders is captured by the pattern "inventory\\..*" of table.include.list');
  });
});

describe('withSignalling', () => {
  it("keeps the connector's own signal table and notification topic, and turns the Kafka channel on", () => {
    const { config, signalTable, notificationTopic } = withSignalling({
      ...shipped,
      'signal.data.collection': 'ops.signals',
      'notification.enabled.channels': 'log',
    });
    expect(signalTable).toEqual(ref('ops', 'signals'));
    expect(notificationTopic).toBe('__debezium-notification.dbserver1');
    expect(config['notification.enabled.channels']).toBe('log,sink');
  });

  it('gives a connector without them the shipped signal table', () => {
    const { config, signalTable } = withSignalling(shipped);
    expect(signalTable).toEqual(ref('public', 'debezium_signal'));
    expect(config['signal.data.collection']).toBe('public.debezium_signal');
    expect(withSignalling(config).config).toEqual(config);
  });
});
