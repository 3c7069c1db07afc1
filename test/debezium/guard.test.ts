import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';
import { ChangeEnvelope, Int64, isChangeEnvelope } from '../../src/debezium/envelope.js';
import { allocationFreeGuard } from '../../src/debezium/guard.js';
import { ExactNumber, parseJson } from '../../src/debezium/parse-json.js';
import { json, payload, source, userRow } from './fixtures.js';

const parsed = (text: string): unknown => {
  const result = parseJson(text);
  if (result._tag === 'Left') throw new Error(result.left);
  return result.right;
};

/** Envelopes as Debezium sends them, and each way one can be wrong. */
const envelopes: readonly [string, unknown][] = [
  ['a create', parsed(json(payload('c', null, userRow())))],
  ['an update with a before-image', parsed(json(payload('u', userRow(), userRow({ name: 'B' }))))],
  ['a delete', parsed(json(payload('d', userRow(), null)))],
  ['a snapshot read', parsed(json(payload('r', null, userRow(), { source: source({ snapshot: 'true' }) })))],
  ['a truncate', parsed(json(payload('t', null, null)))],
  [
    'a transaction block',
    parsed(
      json(
        payload('c', null, userRow(), {
          transaction: { id: '1:2', total_order: 1, data_collection_order: 1 },
        }),
      ),
    ),
  ],
  ['a null transaction', parsed(json(payload('c', null, userRow(), { transaction: null })))],
  [
    'an exact 19-digit ts_ns',
    {
      ...(parsed(json(payload('c', null, userRow()))) as object),
      ts_ns: new ExactNumber('1700000000000000000'),
    },
  ],
  ['an unknown op', parsed(json(payload('x', null, userRow())))],
  ['no source', parsed(json({ op: 'c', after: {} }))],
  [
    'a source without its table',
    parsed(json(payload('c', null, userRow(), { source: { ts_ms: 1, schema: 'public' } }))),
  ],
  ['a source lsn as text', parsed(json(payload('c', null, userRow(), { source: source({ lsn: '12' }) })))],
  [
    'a source snapshot as a number',
    parsed(json(payload('c', null, userRow(), { source: source({ snapshot: 1 }) }))),
  ],
  ['after as an array', parsed(json(payload('c', null, null, { after: [1, 2] })))],
  ['a fractional ts_ms', parsed(json(payload('c', null, userRow(), { ts_ms: 1.5 })))],
  [
    'a transaction without its id',
    parsed(json(payload('c', null, userRow(), { transaction: { total_order: 1 } }))),
  ],
  [
    'an ExactNumber that is not an integer as ts_ms',
    {
      ...(parsed(json(payload('c', null, userRow()))) as object),
      ts_ms: new ExactNumber('1.00000000000000001'),
    },
  ],
  ['op present as undefined', { ...(parsed(json(payload('c', null, userRow()))) as object), op: undefined }],
  ['null', null],
  ['an array', []],
  ['a string', 'c'],
];

describe('allocationFreeGuard', () => {
  it.each(envelopes)('answers as ChangeEnvelope.is for %s', (_, value) => {
    expect(isChangeEnvelope(value)).toBe(ChangeEnvelope.is(value));
  });

  it('accepts and refuses envelopes both ways among the cases above', () => {
    const verdicts = new Set(envelopes.map(([, value]) => isChangeEnvelope(value)));
    expect(verdicts).toEqual(new Set([true, false]));
    expect(isChangeEnvelope(envelopes[0]![1])).toBe(true);
  });

  it('keeps the difference between a required key present as undefined and one missing', () => {
    const codec = t.type({ a: t.union([t.undefined, t.string]) });
    const guard = allocationFreeGuard(codec);
    for (const value of [{ a: undefined }, {}, { a: 'x' }, { a: 1 }]) {
      expect(guard(value)).toBe(codec.is(value));
    }
    expect(guard({ a: undefined })).toBe(true);
    expect(guard({})).toBe(false);
  });

  it('lets a partial key be missing or undefined, and checks it when there', () => {
    const codec = t.partial({ n: Int64 });
    const guard = allocationFreeGuard(codec);
    for (const value of [{}, { n: undefined }, { n: 3 }, { n: 3.5 }, { n: null }, null]) {
      expect(guard(value)).toBe(codec.is(value));
    }
  });

  it('asks any other codec itself (a refinement, an exact type)', () => {
    const positive = t.refinement(t.number, (n) => n > 0, 'Positive');
    const codec = t.intersection([t.type({ p: positive }), t.exact(t.type({ q: t.literal('q') }))]);
    const guard = allocationFreeGuard(codec);
    for (const value of [{ p: 1, q: 'q' }, { p: -1, q: 'q' }, { p: 1, q: 'r' }, { p: 1 }]) {
      expect(guard(value)).toBe(codec.is(value));
    }
  });
});
