import { describe, expect, it } from 'vitest';
import {
  copyIntoStaging,
  createStagingTable,
  deleteFromStaging,
  stagingTableName,
  syncedAtColumnOf,
  truncateTable,
  upsertFromStaging,
} from '../../src/sinks/statements.js';
import { column, targetTable } from './fixtures.js';

const INT4 = '"pg_catalog"."int4"';
const TEXT = '"pg_catalog"."text"';
const TIMESTAMPTZ = '"pg_catalog"."timestamptz"';

const users = targetTable(
  { schema: 'public', table: 'users' },
  [column('id', INT4), column('name', TEXT), column('email', TEXT), column('synced_at', TIMESTAMPTZ)],
  ['id'],
);

const weird = targetTable(
  { schema: 'My Schema', table: 'Weird "Name"' },
  [column('Key "A"', INT4), column('b;DROP TABLE x', TEXT), column('s', TEXT)],
  ['Key "A"'],
);

describe('staging', () => {
  it('names staging tables by their sequence in the transaction', () => {
    expect(stagingTableName(1)).toBe('cdc_stage_1');
  });

  it('creates a temporary text-only table dropped at commit', () => {
    expect(createStagingTable('cdc_stage_1', ['id', 'name'])).toEqual({
      text: 'CREATE TEMPORARY TABLE pg_temp."cdc_stage_1" ("id" text, "name" text) ON COMMIT DROP',
      values: [],
    });
  });

  it('copies into it in text format, columns in the given order', () => {
    expect(copyIntoStaging('cdc_stage_2', ['name', 'id'])).toBe(
      'COPY pg_temp."cdc_stage_2" ("name", "id") FROM STDIN',
    );
  });

  it('quotes odd column names', () => {
    expect(createStagingTable('cdc_stage_1', ['Key "A"', 'b;DROP TABLE x']).text).toBe(
      'CREATE TEMPORARY TABLE pg_temp."cdc_stage_1" ("Key ""A""" text, "b;DROP TABLE x" text) ON COMMIT DROP',
    );
  });
});

describe('upsertFromStaging', () => {
  it('inserts the staged rows cast to the column types, updates on key conflict and stamps synced_at', () => {
    const statement = upsertFromStaging({
      table: users,
      staging: 'cdc_stage_1',
      columns: ['id', 'name', 'email'],
      syncedAt: 'synced_at',
    });
    expect(statement.values).toEqual([]);
    expect(statement.text).toBe(
      [
        'INSERT INTO "public"."users" ("id", "name", "email", "synced_at")',
        `SELECT s."id"::${INT4}, s."name"::${TEXT}, s."email"::${TEXT}, now()`,
        'FROM pg_temp."cdc_stage_1" AS s',
        'ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", "email" = EXCLUDED."email", "synced_at" = EXCLUDED."synced_at"',
      ].join('\n'),
    );
  });

  it('leaves out of the update the columns not written (an unavailable TOASTed value keeps its stored value)', () => {
    const { text } = upsertFromStaging({
      table: users,
      staging: 'cdc_stage_3',
      columns: ['id', 'email'],
      syncedAt: 'synced_at',
    });
    expect(text).not.toContain('"name"');
    expect(text).toContain('DO UPDATE SET "email" = EXCLUDED."email", "synced_at" = EXCLUDED."synced_at"');
  });

  it('does not stamp a table without the sync-time column', () => {
    const { text } = upsertFromStaging({
      table: users,
      staging: 'cdc_stage_1',
      columns: ['id', 'name'],
      syncedAt: null,
    });
    expect(text).not.toContain('now()');
    expect(text).not.toContain('synced_at');
  });

  it('does nothing on conflict when only key columns are written and nothing is stamped', () => {
    const { text } = upsertFromStaging({
      table: users,
      staging: 'cdc_stage_1',
      columns: ['id'],
      syncedAt: null,
    });
    expect(text).toMatch(/ON CONFLICT \("id"\) DO NOTHING$/);
  });

  it('quotes odd table and column names (embedded quotes, spaces, semicolons)', () => {
    const { text } = upsertFromStaging({
      table: weird,
      staging: 'cdc_stage_1',
      columns: ['Key "A"', 'b;DROP TABLE x', 's'],
      syncedAt: null,
    });
    expect(text).toBe(
      [
        'INSERT INTO "My Schema"."Weird ""Name""" ("Key ""A""", "b;DROP TABLE x", "s")',
        `SELECT s."Key ""A"""::${INT4}, s."b;DROP TABLE x"::${TEXT}, s."s"::${TEXT}`,
        'FROM pg_temp."cdc_stage_1" AS s',
        'ON CONFLICT ("Key ""A""") DO UPDATE SET "b;DROP TABLE x" = EXCLUDED."b;DROP TABLE x", "s" = EXCLUDED."s"',
      ].join('\n'),
    );
  });

  it('overrides the system value when it writes a GENERATED ALWAYS identity column', () => {
    const identity = targetTable(
      { schema: 'public', table: 'events' },
      [column('id', INT4, { identityAlways: true }), column('body', TEXT)],
      ['id'],
    );
    const { text } = upsertFromStaging({
      table: identity,
      staging: 'cdc_stage_1',
      columns: ['id', 'body'],
      syncedAt: null,
    });
    expect(text.split('\n')[0]).toBe('INSERT INTO "public"."events" ("id", "body") OVERRIDING SYSTEM VALUE');
  });

  it('covers a composite primary key', () => {
    const lines = targetTable(
      { schema: 'public', table: 'order_lines' },
      [column('order_id', INT4), column('line', INT4), column('qty', INT4)],
      ['order_id', 'line'],
    );
    const { text } = upsertFromStaging({
      table: lines,
      staging: 'cdc_stage_1',
      columns: ['order_id', 'line', 'qty'],
      syncedAt: null,
    });
    expect(text).toContain('ON CONFLICT ("order_id", "line") DO UPDATE SET "qty" = EXCLUDED."qty"');
  });

  it('refuses a column the catalog does not have, and a row without its whole key', () => {
    expect(() =>
      upsertFromStaging({ table: users, staging: 'cdc_stage_1', columns: ['id', 'nope'], syncedAt: null }),
    ).toThrow(RangeError);
    expect(() =>
      upsertFromStaging({ table: users, staging: 'cdc_stage_1', columns: ['name'], syncedAt: null }),
    ).toThrow(/without key column id/);
  });
});

describe('deleteFromStaging', () => {
  it('deletes by the staged primary key, cast to the key types', () => {
    expect(deleteFromStaging(users, 'cdc_stage_2')).toEqual({
      text: [
        'DELETE FROM "public"."users" AS t',
        'USING pg_temp."cdc_stage_2" AS s',
        `WHERE t."id" = s."id"::${INT4}`,
      ].join('\n'),
      values: [],
    });
  });

  it('matches every column of a composite key, quoted', () => {
    const twoKeys = targetTable(
      { schema: 'x', table: 'Weird "Name"' },
      [column('a"', INT4), column('b', TEXT)],
      ['a"', 'b'],
    );
    expect(deleteFromStaging(twoKeys, 'cdc_stage_1').text).toBe(
      [
        'DELETE FROM "x"."Weird ""Name""" AS t',
        'USING pg_temp."cdc_stage_1" AS s',
        `WHERE t."a""" = s."a"""::${INT4} AND t."b" = s."b"::${TEXT}`,
      ].join('\n'),
    );
  });
});

describe('truncateTable and syncedAtColumnOf', () => {
  it('truncates the quoted table', () => {
    expect(truncateTable(weird)).toEqual({ text: 'TRUNCATE TABLE "My Schema"."Weird ""Name"""', values: [] });
  });

  it('finds the sync-time column only where the table has it', () => {
    expect(syncedAtColumnOf(users, 'synced_at')).toBe('synced_at');
    expect(syncedAtColumnOf(users, 'applied_at')).toBeNull();
    expect(syncedAtColumnOf(weird, 'synced_at')).toBeNull();
  });
});
