/**
 * The stale-write guard's ordering key, on the source blocks Debezium 3.6 sent on the stack (values
 * copied from envelopes printed there): initial-snapshot reads, streamed changes of two interleaved
 * transactions, the first transaction after the snapshot, incremental-snapshot reads.
 */
import { describe, expect, it } from 'vitest';
import {
  comparePositions,
  isNewer,
  positionText,
  sourcePositionOf,
  type SourcePositionKey,
} from '../../src/sinks/source-position.js';
import type { Op, SourcePosition } from '../../src/types.js';
import { change } from './fixtures.js';

const USERS = { schema: 'public', table: 'users' };

function at(op: Op, source: Partial<SourcePosition>): SourcePositionKey {
  const base = change(USERS, op, { key: { id: '1' }, after: { id: '1' } });
  const position = sourcePositionOf({ ...base, source: { ...base.source, ...source } });
  if (position === undefined) throw new Error('no position');
  return position;
}

// Seen on the stack: snapshot at 26570800; transaction B (first after the snapshot) wrote at
// 26848704; transaction A wrote at 26848424 and 26848568 before B committed, committed after it.
const snapshotRead = at('r', { lsn: '26570800', snapshot: 'first', sequence: '[null,"26570800"]' });
const firstAfterSnapshot = at('u', { lsn: '26848704', snapshot: 'false', sequence: '[null,"26848704"]' });
const aFirst = at('u', { lsn: '26848424', snapshot: 'false', sequence: '["26848896","26848424"]' });
const aSecond = at('u', { lsn: '26848568', snapshot: 'false', sequence: '["26848896","26848568"]' });
const nextDelete = at('d', { lsn: '26849088', sequence: '["26849088","26849088"]' });
const incrementalRead = at('r', { lsn: null, snapshot: 'incremental', sequence: '["26850000","26850000"]' });
const afterIncremental = at('u', { lsn: '26875464', sequence: '["26851112","26875464"]' });
/** A transaction in flight at the snapshot point: it wrote before it, committed after it. */
const inFlightFirst = at('u', { lsn: '26570000', sequence: '[null,"26570000"]' });

describe('sourcePositionOf', () => {
  it('places each kind of event as [commit, rank, change]', () => {
    expect(positionText(snapshotRead)).toBe('{26570800,0,0}');
    expect(positionText(firstAfterSnapshot)).toBe('{0,2,26848704}');
    expect(positionText(aFirst)).toBe('{26848896,2,26848424}');
    expect(positionText(incrementalRead)).toBe('{26850000,1,0}');
  });

  it('has no position for a truncate or a change without lsn and sequence', () => {
    const truncate = change(USERS, 't');
    expect(sourcePositionOf(truncate)).toBeUndefined();
    expect(sourcePositionOf(change(USERS, 'u', { key: { id: '1' } }))).toBeUndefined();
    const malformed = change(USERS, 'u', { key: { id: '1' } });
    expect(
      sourcePositionOf({ ...malformed, source: { ...malformed.source, sequence: 'not json' } }),
    ).toBeUndefined();
  });

  it('takes the lsn from the sequence when source.lsn is absent', () => {
    expect(at('u', { lsn: null, sequence: '["5","7"]' })).toEqual([5n, 2n, 7n]);
  });
});

describe('isNewer: commit order, then order in the transaction', () => {
  const inCommitOrder = [
    snapshotRead,
    firstAfterSnapshot,
    aFirst,
    aSecond,
    nextDelete,
    incrementalRead,
    afterIncremental,
  ];

  it('says every event is newer than every event before it in commit order, and older than those after', () => {
    inCommitOrder.forEach((later, j) => {
      inCommitOrder.forEach((earlier, i) => {
        // The one pair the key cannot order: below.
        if (later === snapshotRead && earlier === firstAfterSnapshot) return;
        expect(isNewer(later, earlier), `${positionText(later)} vs ${positionText(earlier)}`).toBe(j > i);
      });
    });
  });

  it('orders a transaction that committed later but wrote first after the one that committed first', () => {
    // A's change LSN is below B's: an LSN-only order would get this backwards.
    expect(aFirst[2] < firstAfterSnapshot[2]).toBe(true);
    expect(isNewer(aFirst, firstAfterSnapshot)).toBe(true);
  });

  it('applies the first transaction after a snapshot over the read even when it wrote before the snapshot point', () => {
    expect(inFlightFirst[2] < snapshotRead[0]).toBe(true);
    expect(isNewer(inFlightFirst, snapshotRead)).toBe(true);
    // The first transaction carries no commit point, so a snapshot read replayed on top of it is
    // taken as newer (a re-snapshot must win over it): the replay case the README names.
    expect(isNewer(snapshotRead, inFlightFirst)).toBe(true);
  });

  it('orders a streamed change after an incremental read at the same commit point', () => {
    const sameCommit = at('u', { lsn: '26849000', sequence: '["26850000","26849000"]' });
    expect(isNewer(sameCommit, incrementalRead)).toBe(true);
    expect(isNewer(incrementalRead, sameCommit)).toBe(false);
  });

  it('takes anything over a row without a position, and nothing equal', () => {
    expect(isNewer(snapshotRead, null)).toBe(true);
    expect(isNewer(aFirst, aFirst)).toBe(false);
    expect(comparePositions(aFirst, aSecond)).toBe(-1);
  });
});
