/**
 * Where a consumer group with no committed offsets starts. Replaying the topics from the earliest
 * offset onto a target that already holds rows rewrites them with history until the replay catches
 * up, and leaves them wrong if it is stopped early (issue: a new PIPELINE_GROUP_ID). So by default a
 * new group replays only onto empty target tables, and asks the user to choose otherwise.
 */
import type { Admin } from 'kafkajs';
import { NEW_GROUP_STARTS } from './defaults.js';
import { ConfigError } from './errors.js';
import type { TableRef } from './types.js';

export type NewGroupStart = (typeof NEW_GROUP_STARTS)[number];

export interface StartDecision {
  /** Where partitions without a committed offset start: the earliest offset (true) or the end. */
  readonly fromBeginning: boolean;
  /** Whether the group had no committed offset on any of the topics. */
  readonly newGroup: boolean;
}

export interface DecideStartOptions {
  readonly admin: Pick<Admin, 'fetchOffsets'>;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly policy: NewGroupStart;
  /** The target table each topic applies to (undefined: none). */
  readonly targetOf: (topic: string) => TableRef | undefined;
  /** The tables among `tables` that exist in the target and hold at least one row. */
  readonly nonEmpty: (tables: readonly TableRef[]) => Promise<readonly TableRef[]>;
  /** The target's record of groups that started applying to it (see sinks/group-marker.ts). */
  readonly groupMarker: {
    readonly started: (groupId: string) => Promise<boolean>;
    readonly mark: (groupId: string) => Promise<void>;
  };
}

export async function decideStart({
  admin,
  groupId,
  topics,
  policy,
  targetOf,
  nonEmpty,
  groupMarker,
}: DecideStartOptions): Promise<StartDecision> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const newGroup = committed.every(({ partitions }) => partitions.every(({ offset }) => offset === '-1'));
  // A known group keeps its offsets; a topic it has never read (a table just added) needs all of it.
  if (!newGroup) return { fromBeginning: true, newGroup };
  if (policy !== 'earliest-if-target-empty') return { fromBeginning: policy === 'earliest', newGroup };
  // This group applied here before and crashed before its first commit: the rows are its own.
  if (await groupMarker.started(groupId)) return { fromBeginning: true, newGroup };
  const tables = uniqueTables(topics.map(targetOf).filter((table): table is TableRef => table !== undefined));
  const filled = await nonEmpty(tables);
  if (filled.length === 0) {
    await groupMarker.mark(groupId);
    return { fromBeginning: true, newGroup };
  }
  const names = filled.map(({ schema, table }) => `${schema}.${table}`).join(', ');
  throw new ConfigError(
    `consumer group "${groupId}" has no committed offsets, but the target already holds rows in ${names}: ` +
      'replaying every topic from its earliest offset would rewrite them with older versions until it caught up. ' +
      'Fix: keep the previous PIPELINE_GROUP_ID, or set PIPELINE_NEW_GROUP_START=earliest to replay anyway ' +
      '(the target converges once the replay catches up) or PIPELINE_NEW_GROUP_START=latest to apply only new changes.',
  );
}

function uniqueTables(tables: readonly TableRef[]): TableRef[] {
  const seen = new Map<string, TableRef>();
  for (const table of tables) seen.set(`${table.schema}\u0000${table.table}`, table);
  return [...seen.values()];
}
