import type { Admin } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { decideStart, type DecideStartOptions } from '../src/new-group.js';
import type { TableRef } from '../src/types.js';

type FetchOffsets = Admin['fetchOffsets'];
type Offsets = Awaited<ReturnType<FetchOffsets>>;

/** Committed offsets as kafkajs' admin returns them: '-1' where the group never committed. */
const offsets = (byTopic: Record<string, readonly string[]>): Offsets =>
  Object.entries(byTopic).map(([topic, committed]) => ({
    topic,
    partitions: committed.map((offset, partition) => ({ partition, offset, metadata: null })),
  }));

const users: TableRef = { schema: 'public', table: 'users' };
const orders: TableRef = { schema: 'public', table: 'orders' };
/** Two topics of users (a re-keyed one, say), one of orders, one heartbeat topic with no table. */
const targets: Record<string, TableRef | undefined> = {
  'db.public.users': users,
  'db.public.users_v2': users,
  'db.public.orders': orders,
  'db.heartbeat': undefined,
};
const topics = Object.keys(targets);
const newGroup = offsets(Object.fromEntries(topics.map((topic) => [topic, ['-1', '-1']])));

function options(committed: Offsets, overrides: Partial<DecideStartOptions> = {}) {
  // kafkajs types fetchOffsets with overloads a plain function cannot satisfy.
  const fetchOffsets = vi.fn(async () => committed) as unknown as FetchOffsets & ReturnType<typeof vi.fn>;
  const nonEmpty = vi.fn(async (_: readonly TableRef[]): Promise<readonly TableRef[]> => []);
  /** The target's record of groups that started applying to it: none by default. */
  const started = new Set<string>();
  const groupMarker = {
    started: vi.fn(async (groupId: string) => started.has(groupId)),
    mark: vi.fn(async (groupId: string) => void started.add(groupId)),
  };
  const given: DecideStartOptions = {
    admin: { fetchOffsets },
    groupId: 'cdc-apply',
    topics,
    policy: 'earliest-if-target-empty',
    targetOf: (topic) => targets[topic],
    nonEmpty,
    groupMarker,
    ...overrides,
  };
  return { given, fetchOffsets, nonEmpty, groupMarker, started };
}

describe('decideStart', () => {
  it('keeps an existing group where it is: some committed offset, fromBeginning for topics it never read', async () => {
    const committed = offsets({ 'db.public.users': ['-1', '42'], 'db.public.orders': ['-1', '-1'] });
    for (const policy of ['earliest-if-target-empty', 'earliest', 'latest'] as const) {
      const { given, fetchOffsets, nonEmpty } = options(committed, { policy });
      await expect(decideStart(given)).resolves.toEqual({ fromBeginning: true, newGroup: false });
      expect(fetchOffsets).toHaveBeenCalledWith({ groupId: 'cdc-apply', topics });
      expect(nonEmpty).not.toHaveBeenCalled();
    }
  });

  it('starts a new group at the earliest offset with policy earliest, whatever the target holds', async () => {
    const { given, nonEmpty } = options(newGroup, { policy: 'earliest' });
    await expect(decideStart(given)).resolves.toEqual({ fromBeginning: true, newGroup: true });
    expect(nonEmpty).not.toHaveBeenCalled();
  });

  it('starts a new group at the end with policy latest', async () => {
    const { given, nonEmpty } = options(newGroup, { policy: 'latest' });
    await expect(decideStart(given)).resolves.toEqual({ fromBeginning: false, newGroup: true });
    expect(nonEmpty).not.toHaveBeenCalled();
  });

  it('replays a new group from the earliest offset onto empty tables (earliest-if-target-empty)', async () => {
    const { given, nonEmpty, groupMarker } = options(newGroup);
    await expect(decideStart(given)).resolves.toEqual({ fromBeginning: true, newGroup: true });
    // Each target table asked once; the heartbeat topic has none and is ignored.
    expect(nonEmpty).toHaveBeenCalledExactlyOnceWith([users, orders]);
    // Marked, so the rows it writes before its first commit are known as its own after a crash.
    expect(groupMarker.mark).toHaveBeenCalledExactlyOnceWith('cdc-apply');
  });

  it('replays a new group that started here before (crashed before its first commit) onto its own rows', async () => {
    const filled = vi.fn(async () => [users]);
    const { given, started } = options(newGroup, { nonEmpty: filled });
    started.add('cdc-apply');
    await expect(decideStart(given)).resolves.toEqual({ fromBeginning: true, newGroup: true });
    expect(filled).not.toHaveBeenCalled();
  });

  it('refuses to replay a new group onto a filled table, naming it and the variables to set', async () => {
    const { given, groupMarker } = options(newGroup, { nonEmpty: async () => [orders] });
    const refusal = decideStart(given);
    await expect(refusal).rejects.toBeInstanceOf(ConfigError);
    const message = await refusal.catch((error: Error) => error.message);
    expect(message).toContain('consumer group "cdc-apply" has no committed offsets');
    expect(message).toContain('public.orders');
    expect(message).not.toContain('public.users');
    expect(message).toContain('PIPELINE_NEW_GROUP_START');
    expect(message).toContain('PIPELINE_GROUP_ID');
    expect(groupMarker.mark).not.toHaveBeenCalled();
  });

  it('asks about no table when no topic has a target table', async () => {
    const { given, nonEmpty } = options(offsets({ 'db.heartbeat': ['-1'] }), { topics: ['db.heartbeat'] });
    await expect(decideStart(given)).resolves.toEqual({ fromBeginning: true, newGroup: true });
    expect(nonEmpty).toHaveBeenCalledExactlyOnceWith([]);
  });

  it('passes on a failure to read the offsets', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const { given } = options(newGroup, { admin: { fetchOffsets: async () => Promise.reject(refused) } });
    await expect(decideStart(given)).rejects.toBe(refused);
  });
});
