/**
 * The stale-write guard's ordering key: where a change sits in the source's commit order, as a
 * PostgreSQL `bigint[]` of three parts, compared element by element (as PostgreSQL compares arrays):
 *
 *   [commit, rank, change]
 *
 * - commit: Debezium's `lastCommitLsn` (the first element of `source.sequence`): the end of the
 *   last transaction the connector had streamed before this change's transaction. Transactions
 *   stream in commit order, so it grows from one transaction to the next and is equal within one.
 *   The change's own LSN (`source.lsn`) does not follow commit order: a transaction that wrote a
 *   row before another committed, and committed after it, has lower change LSNs (seen on the stack:
 *   issue 10's notes in the README).
 * - rank: what kind of event holds the position at that commit point: 0 an initial-snapshot read,
 *   1 an incremental-snapshot read, 2 a streamed change. A read at a commit point is the state
 *   just after that commit; a streamed change with the same commit value belongs to the next
 *   transaction, so it is newer.
 * - change: the change's own LSN (`source.lsn`): the order within its transaction (two updates of
 *   one row in one transaction). 0 for reads.
 *
 * How each kind of event is placed (what Debezium 3.x sends, checked on the stack):
 * - initial-snapshot read (op r, snapshot true/first/last/…): `lsn` is the snapshot point S,
 *   `sequence` is [null, S]  →  [S, 0, 0]: newer than every transaction committed before S.
 * - incremental-snapshot read (op r, snapshot incremental): `lsn` is null, `sequence` is [X, X],
 *   X the last commit before the snapshot window closed  →  [X, 1, 0].
 * - streamed change (op c, u, d): `sequence` is [lastCommitLsn, lsn]  →  [lastCommitLsn, 2, lsn].
 *   The first transaction streamed after an initial snapshot has no lastCommitLsn ([null, lsn]):
 *   →  [0, 2, lsn], below every known commit, and newer than any initial-snapshot read by the one
 *   exception in `isNewer`: such a transaction committed after the snapshot point (that is why it
 *   is streamed), though it may have written before it (then its LSN is below S).
 * - A delete is placed like any streamed change; its before-image carries no position of its own.
 */
import type { RoutedChange } from '../types.js';

/** A position: [commit, rank, change], each a non-negative integer below 2^63. */
export type SourcePositionKey = readonly [bigint, bigint, bigint];

export const RANK = { initialRead: 0n, incrementalRead: 1n, streamed: 2n } as const;

const DIGITS = /^\d{1,19}$/;

/** A decimal LSN of the sequence, or undefined when it is absent or not one. */
function lsnOf(text: unknown): bigint | undefined {
  return typeof text === 'string' && DIGITS.test(text) ? BigInt(text) : undefined;
}

/** `source.sequence` as [last commit, lsn]; undefined parts where absent or malformed. */
function sequenceOf(sequence: string | null | undefined): [bigint | undefined, bigint | undefined] {
  if (sequence === null || sequence === undefined) return [undefined, undefined];
  try {
    const parsed: unknown = JSON.parse(sequence);
    return Array.isArray(parsed) ? [lsnOf(parsed[0]), lsnOf(parsed[1])] : [undefined, undefined];
  } catch {
    return [undefined, undefined];
  }
}

/** The change's position, or undefined when its source block cannot place it (not a Debezium PostgreSQL event). */
export function sourcePositionOf({ op, source }: RoutedChange): SourcePositionKey | undefined {
  if (op === 't') return undefined;
  const [lastCommit, sequenceLsn] = sequenceOf(source.sequence);
  const lsn = lsnOf(source.lsn) ?? sequenceLsn;
  if (op === 'r' && source.snapshot === 'incremental') {
    const at = lastCommit ?? lsn;
    return at === undefined ? undefined : [at, RANK.incrementalRead, 0n];
  }
  if (op === 'r') return lsn === undefined ? undefined : [lsn, RANK.initialRead, 0n];
  return lsn === undefined ? undefined : [lastCommit ?? 0n, RANK.streamed, lsn];
}

/** The position as PostgreSQL reads a bigint[] (COPY text or a literal): `{c,r,l}`. */
export const positionText = ([commit, rank, change]: SourcePositionKey): string =>
  `{${commit},${rank},${change}}`;

/** Element-wise comparison, as PostgreSQL compares two bigint[] of equal length. */
export function comparePositions(a: SourcePositionKey, b: SourcePositionKey): number {
  for (let i = 0; i < 3; i += 1) {
    if (a[i]! !== b[i]!) return a[i]! < b[i]! ? -1 : 1;
  }
  return 0;
}

/**
 * Whether a change at `incoming` may overwrite a row (or tombstone) at `stored`: the guard's rule.
 * Everything is newer than no position (a row written before the guard was on); otherwise
 * `incoming` must be greater, except that a change of the first transaction streamed after an
 * initial snapshot (commit 0) is newer than any initial-snapshot read. `newerSql` is this rule in SQL.
 */
export function isNewer(incoming: SourcePositionKey, stored: SourcePositionKey | null): boolean {
  if (stored === null) return true;
  if (comparePositions(incoming, stored) > 0) return true;
  return incoming[0] === 0n && incoming[1] === RANK.streamed && stored[1] === RANK.initialRead;
}

/**
 * `isNewer` as a SQL condition over two bigint[] expressions (PostgreSQL arrays are 1-based). Each
 * is parenthesised before it is subscripted: `x::bigint[][1]` would read as a cast to `bigint[][1]`.
 */
export function newerSql(incoming: string, stored: string): string {
  const [i, s] = [`(${incoming})`, `(${stored})`];
  return (
    `(${s} IS NULL OR ${i} > ${s} OR ` +
    `(${i}[1] = 0 AND ${i}[2] = ${RANK.streamed} AND ${s}[2] = ${RANK.initialRead}))`
  );
}
