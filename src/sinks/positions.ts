/**
 * Positions kept in the target, in the same transaction as the rows they account for: per consumer
 * group, topic and partition, the owner's generation, the offset below which everything is handled,
 * and each lane's last handled offset (src/positions/claimed.ts says how they are read).
 *
 * - `claimPositions`, on every assignment, bumps each partition's generation and reads its
 *   position. The bump waits for a flush of the previous owner that holds the row, so what it reads
 *   includes that flush; every later flush of the previous owner is fenced off.
 * - `recordPositions`, inside each flush transaction, locks the rows, checks the generation (else
 *   FencedError: the transaction rolls back) and advances the flushing lane's offsets.
 */
import type pg from 'pg';
import type { PartitionClaim } from '../positions/claimed.js';
import type { PositionAdvance, PositionsPort } from '../positions/port.js';
import { FencedError } from '../errors.js';
import type { Failure, TableRef } from '../types.js';
import { quoteTable } from './catalog.js';
import { withTransaction, type Queryable } from './pool.js';

export const POSITIONS_TABLE: TableRef = { schema: 'public', table: 'cdc_positions' };

const table = quoteTable(POSITIONS_TABLE);

export async function ensurePositionsTable(db: Queryable): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS ${table} (
  group_id text NOT NULL,
  topic text NOT NULL,
  kafka_partition integer NOT NULL,
  generation bigint NOT NULL,
  next_offset bigint NOT NULL DEFAULT -1,
  lanes integer NOT NULL,
  lane_offsets bigint[] NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, kafka_partition)
)`);
}

/**
 * Claims `partitions` for `groupId`: returns each one's position as it was, under a new generation.
 * A position written with another lane count is returned as it was (read with that count) and
 * stored for `lanes` lanes, each at the partition's next offset.
 */
export async function claimPositions(
  pool: pg.Pool,
  groupId: string,
  partitions: readonly { topic: string; partition: number }[],
  lanes: number,
): Promise<PartitionClaim[]> {
  if (partitions.length === 0) return [];
  const topics = partitions.map((p) => p.topic);
  const numbers = partitions.map((p) => p.partition);
  return withTransaction(pool, async (client) => {
    // Locking first waits for a flush of the previous owner that holds a row: its offsets are read.
    const previous = await client.query<PreviousRow>(
      `SELECT topic, kafka_partition, next_offset::text, lanes, lane_offsets::text[]
         FROM ${table}
        WHERE group_id = $1 AND (topic, kafka_partition) IN (SELECT * FROM unnest($2::text[], $3::integer[]))
          FOR UPDATE`,
      [groupId, topics, numbers],
    );
    const before = new Map(previous.rows.map((row) => [`${row.topic}\u0000${row.kafka_partition}`, row]));
    const { rows } = await client.query<{ topic: string; kafka_partition: number; generation: string }>(
      `INSERT INTO ${table} AS c (group_id, topic, kafka_partition, generation, lanes, lane_offsets)
       SELECT $1, topic, kafka_partition, 1, $4, array_fill(-1::bigint, ARRAY[$4::integer])
         FROM unnest($2::text[], $3::integer[]) AS p(topic, kafka_partition)
       ON CONFLICT (group_id, topic, kafka_partition) DO UPDATE
          SET generation = c.generation + 1,
              lanes = $4,
              lane_offsets = CASE WHEN c.lanes = $4 THEN c.lane_offsets
                                  ELSE array_fill(c.next_offset - 1, ARRAY[$4::integer]) END,
              updated_at = now()
       RETURNING c.topic, c.kafka_partition, c.generation::text`,
      [groupId, topics, numbers, lanes],
    );
    return rows.map((row): PartitionClaim => {
      const was = before.get(`${row.topic}\u0000${row.kafka_partition}`);
      return {
        topic: row.topic,
        partition: row.kafka_partition,
        generation: BigInt(row.generation),
        nextOffset: was === undefined ? -1n : BigInt(was.next_offset),
        lanes: was?.lanes ?? lanes,
        laneOffsets: was === undefined ? Array<bigint>(lanes).fill(-1n) : was.lane_offsets.map(BigInt),
      };
    });
  });
}

interface PreviousRow {
  topic: string;
  kafka_partition: number;
  next_offset: string;
  lanes: number;
  lane_offsets: string[];
}

/**
 * Inside a flush transaction: locks the positions of its partitions, fences off a stale owner and
 * advances them.
 *
 * @throws FencedError when another owner claimed one of the partitions since this one did.
 */
export async function recordPositions(
  db: Queryable,
  groupId: string,
  advances: readonly PositionAdvance[],
): Promise<void> {
  if (advances.length === 0) return;
  const { rows } = await db.query<{ topic: string; kafka_partition: number; generation: string }>(
    `UPDATE ${table} AS c
        SET lane_offsets[a.lane + 1] = GREATEST(c.lane_offsets[a.lane + 1], a.lane_offset),
            next_offset = GREATEST(c.next_offset, a.next_offset),
            updated_at = now()
       FROM unnest($2::text[], $3::integer[], $4::bigint[], $5::integer[], $6::bigint[], $7::bigint[])
            AS a(topic, kafka_partition, generation, lane, lane_offset, next_offset)
      WHERE c.group_id = $1 AND c.topic = a.topic AND c.kafka_partition = a.kafka_partition
        AND c.generation = a.generation
  RETURNING c.topic, c.kafka_partition, c.generation::text`,
    [
      groupId,
      advances.map((a) => a.topic),
      advances.map((a) => a.partition),
      advances.map((a) => a.generation.toString()),
      advances.map((a) => a.lane),
      advances.map((a) => a.laneOffset.toString()),
      advances.map((a) => a.nextOffset.toString()),
    ],
  );
  if (rows.length === advances.length) return;
  const advanced = new Set(rows.map((row) => `${row.topic}\u0000${row.kafka_partition}`));
  const lost = advances.filter((a) => !advanced.has(`${a.topic}\u0000${a.partition}`));
  throw new FencedError(lost.map(({ topic, partition }) => ({ topic, partition })));
}

/** The positions port of a target pool, for one consumer group; creates the table if needed. */
export async function targetPositions(
  pool: pg.Pool,
  groupId: string,
  deadLetters: { writeIn(client: Queryable, failures: readonly Failure[]): Promise<void> },
): Promise<PositionsPort> {
  await ensurePositionsTable(pool);
  return {
    claim: (partitions, lanes) => claimPositions(pool, groupId, partitions, lanes),
    record: (client, advances) => recordPositions(client, groupId, advances),
    deadLetter: (client, failures) => deadLetters.writeIn(client, failures),
  };
}
