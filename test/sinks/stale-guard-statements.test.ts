/**
 * The stale-write guard in the sink's pure parts: plan writes the change's position into the guard's
 * column (never an event value) and refuses a column of the wrong type; the statements make the
 * upsert and the delete conditional on the position and consult and write the tombstones. A table
 * without the column plans and builds exactly what it did without the guard.
 */
import { describe, expect, it } from 'vitest';
import { tableKey, type TableLookup } from '../../src/sinks/catalog.js';
import { planChanges, type PlanOptions } from '../../src/sinks/plan.js';
import { deleteFromStaging, recordDeletedKeys, upsertFromStaging } from '../../src/sinks/statements.js';
import type { RoutedChange } from '../../src/types.js';
import { change, column, targetTable } from './fixtures.js';

const INT4 = '"pg_catalog"."int4"';
const TEXT = '"pg_catalog"."text"';
const INT8_ARRAY = '"pg_catalog"."_int8"';
const GUARDED = { schema: 'public', table: 'items' };
const PLAIN = { schema: 'public', table: 'plain' };
const WRONG = { schema: 'public', table: 'wrong' };

const guarded = targetTable(
  GUARDED,
  [column('id', INT4), column('name', TEXT), column('src_pos', INT8_ARRAY, { type: 'bigint[]' })],
  ['id'],
);
const plain = targetTable(PLAIN, [column('id', INT4), column('name', TEXT)], ['id']);
const wrong = targetTable(WRONG, [column('id', INT4), column('src_pos', TEXT, { type: 'text' })], ['id']);
const lookups = new Map<string, TableLookup>(
  [guarded, plain, wrong].map((table) => [tableKey(table.ref), { kind: 'found', table }]),
);
const OPTIONS: PlanOptions = {
  syncedAtColumn: 'synced_at',
  unknownColumns: 'ignore',
  sourcePositionColumn: 'src_pos',
};

function streamed(target: typeof GUARDED, op: 'c' | 'u' | 'd', id: string): RoutedChange {
  const base = change(target, op, {
    key: { id },
    ...(op === 'd' ? { before: { id } } : { after: { id, name: 'n', src_pos: '{9,9,9}' } }),
  });
  return { ...base, source: { ...base.source, lsn: '120', sequence: '["100","120"]' } };
}

describe('planning with the guard', () => {
  it("writes the change's position into the guard's column instead of the event's value", () => {
    const { items, failures } = planChanges([streamed(GUARDED, 'u', '1')], lookups, OPTIONS);
    expect(failures).toEqual([]);
    expect(items[0]).toMatchObject({
      op: 'upsert',
      columns: ['id', 'name', 'src_pos'],
      values: ['1', 'n', '{100,2,120}'],
    });
  });

  it('gives a delete its position', () => {
    const { items } = planChanges([streamed(GUARDED, 'd', '1')], lookups, OPTIONS);
    expect(items[0]).toMatchObject({ op: 'delete', values: ['1'], position: '{100,2,120}' });
  });

  it('plans a table without the column as before, position-free', () => {
    const { items } = planChanges([streamed(PLAIN, 'd', '1'), streamed(PLAIN, 'u', '2')], lookups, OPTIONS);
    expect(items[0]).not.toHaveProperty('position');
    expect(items[1]).toMatchObject({ columns: ['id', 'name'], values: ['2', 'n'] });
  });

  it('refuses a guard column that is not bigint[], saying how to fix it', () => {
    const { items, failures } = planChanges([streamed(WRONG, 'u', '1')], lookups, OPTIONS);
    expect(items).toEqual([]);
    expect(failures[0]?.reason).toContain(
      'column "src_pos" of "public"."wrong" (PIPELINE_SOURCE_POSITION_COLUMN) is text',
    );
    expect(failures[0]?.reason).toContain('ADD COLUMN "src_pos" bigint[]');
  });

  it('refuses a change without a source position on a guarded table', () => {
    const unplaced = change(GUARDED, 'u', { key: { id: '1' }, after: { id: '1' } });
    const { failures } = planChanges([unplaced], lookups, OPTIONS);
    expect(failures[0]?.reason).toContain('carries no source position');
  });
});

describe('guarded statements', () => {
  const NEWER = (incoming: string, stored: string) =>
    `((${stored}) IS NULL OR (${incoming}) > (${stored}) OR ((${incoming})[1] = 0 AND (${incoming})[2] = 2 AND (${stored})[2] = 0))`;
  const STAGED_POS = `s."src_pos"::${INT8_ARRAY}`;

  it('upserts only rows newer than their tombstone, and updates only where newer than the stored row', () => {
    const statement = upsertFromStaging({
      table: guarded,
      staging: 'cdc_stage_1',
      columns: ['id', 'name', 'src_pos'],
      syncedAt: null,
      positionColumn: 'src_pos',
    });
    expect(statement.text).toBe(
      [
        'INSERT INTO "public"."items" AS t ("id", "name", "src_pos")',
        `SELECT s."id"::${INT4}, s."name"::${TEXT}, ${STAGED_POS}`,
        'FROM pg_temp."cdc_stage_1" AS s',
        'WHERE NOT EXISTS (SELECT 1 FROM "public"."cdc_deleted_keys" AS d WHERE d.schema_name = $1 AND d.table_name = $2 ' +
          `AND d.row_key = json_build_array(s."id")::text AND NOT ${NEWER(STAGED_POS, 'd.position')})`,
        'ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", "src_pos" = EXCLUDED."src_pos"',
        `WHERE ${NEWER('EXCLUDED."src_pos"', 't."src_pos"')}`,
      ].join('\n'),
    );
    expect(statement.values).toEqual(['public', 'items']);
  });

  it('refuses a guarded upsert that does not write the position', () => {
    expect(() =>
      upsertFromStaging({
        table: guarded,
        staging: 's1',
        columns: ['id', 'name'],
        syncedAt: null,
        positionColumn: 'src_pos',
      }),
    ).toThrow(RangeError);
  });

  it('deletes only where the delete is newer than the row', () => {
    expect(deleteFromStaging(guarded, 'cdc_stage_2', 'src_pos').text).toBe(
      [
        'DELETE FROM "public"."items" AS t',
        'USING pg_temp."cdc_stage_2" AS s',
        `WHERE t."id" = s."id"::${INT4} AND ${NEWER(STAGED_POS, 't."src_pos"')}`,
      ].join('\n'),
    );
  });

  it('leaves a tombstone per deleted key unless the row is newer, keeping the newest position', () => {
    const statement = recordDeletedKeys(guarded, 'cdc_stage_2', 'src_pos');
    expect(statement.text).toBe(
      [
        'INSERT INTO "public"."cdc_deleted_keys" AS d (schema_name, table_name, row_key, position, deleted_at)',
        `SELECT $1, $2, json_build_array(s."id")::text, ${STAGED_POS}, now()`,
        'FROM pg_temp."cdc_stage_2" AS s',
        `WHERE NOT EXISTS (SELECT 1 FROM "public"."items" AS t WHERE t."id" = s."id"::${INT4} AND NOT ${NEWER(STAGED_POS, 't."src_pos"')})`,
        'ON CONFLICT (schema_name, table_name, row_key) DO UPDATE',
        'SET position = EXCLUDED.position, deleted_at = EXCLUDED.deleted_at',
        `WHERE ${NEWER('EXCLUDED.position', 'd.position')}`,
      ].join('\n'),
    );
    expect(statement.values).toEqual(['public', 'items']);
  });

  it('builds the unguarded statements unchanged', () => {
    expect(deleteFromStaging(plain, 'cdc_stage_1')).toEqual({
      text: [
        'DELETE FROM "public"."plain" AS t',
        'USING pg_temp."cdc_stage_1" AS s',
        `WHERE t."id" = s."id"::${INT4}`,
      ].join('\n'),
      values: [],
    });
    expect(
      upsertFromStaging({ table: plain, staging: 'cdc_stage_1', columns: ['id', 'name'], syncedAt: null })
        .text,
    ).not.toContain('WHERE');
  });
});
