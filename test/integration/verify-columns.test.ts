/**
 * verify and a source column the target lacks (issue 15): its values never reach the target (under
 * PIPELINE_UNKNOWN_COLUMNS=ignore they are dropped), so "identical" must say it did not compare it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verdictLines } from '../../src/tools/verdict-report.js';
import { identical, verifyTable } from '../../src/tools/verify.js';
import { source, target, withDatabase, stack } from './support/stack.js';

const TABLE = `verify_columns_${Date.now() % 1_000_000}`;

describe('verify with a source-only column', () => {
  beforeAll(async () => {
    // Not in the connector's table.include.list: no events, only the two tables to compare.
    await source((db) =>
      db.query(`CREATE TABLE ${TABLE} (id integer PRIMARY KEY, name text, secret text);
                INSERT INTO ${TABLE} VALUES (1, 'a', 'x'), (2, 'b', 'y')`),
    );
    await target((db) =>
      db.query(`CREATE TABLE ${TABLE} (id integer PRIMARY KEY, name text, synced_at timestamptz DEFAULT now());
                INSERT INTO ${TABLE} (id, name) VALUES (1, 'a'), (2, 'b')`),
    );
  });
  afterAll(async () => {
    await source((db) => db.query(`DROP TABLE IF EXISTS ${TABLE}`));
    await target((db) => db.query(`DROP TABLE IF EXISTS ${TABLE}`));
  });

  it('names the columns it did not compare', async () => {
    const verdict = await withDatabase(stack().SOURCE_DATABASE_URL, (from) =>
      withDatabase(stack().TARGET_DATABASE_URL, (to) => verifyTable(from, to, TABLE)),
    );
    expect(verdict.comparedColumns).toEqual(['id', 'name']);
    expect(verdict.sourceOnlyColumns).toEqual(['secret']);
    expect(identical(verdict)).toBe(true);
    const lines = verdictLines(verdict);
    expect(lines[0]).toBe(`✓ public.${TABLE}: source 2 rows, target 2 rows, identical`);
    expect(lines[1]).toMatch(/not compared: secret \(only in the source.*PIPELINE_UNKNOWN_COLUMNS=ignore/);
  });
});
