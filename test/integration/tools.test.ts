/**
 * The inspection tools on the real stack, each run as a user runs it (`node --import tsx
 * src/cli/bin.ts <tool> …`), judged by what it prints and its exit code.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/stack/config.js';
import { cliEnv, runCli, shown } from './support/cli.js';
import { kafkaClient, source, target } from './support/stack.js';

const USERS_TOPIC = 'dbserver1.public.users';

async function topicOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]> {
  const admin = kafkaClient('cdc-test-tools').admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** `--- partition P  offset O  <ISO time>` headers of peek's output. */
const peeked = (stdout: string): { partition: number; offset: bigint }[] =>
  [...stdout.matchAll(/^--- partition (\d+) {2}offset (\d+) {2}\d{4}-\d\d-\d\dT[\d:.]+Z$/gm)].map(
    (match) => ({
      partition: Number(match[1]),
      offset: BigInt(match[2]!),
    }),
  );

describe('check-target', () => {
  // On a fresh stack no pipeline has written to the target yet: give it one row of each table.
  const PROBE_ID = 990_001;
  beforeAll(async () => {
    await target(async (db) => {
      await db.query(
        "INSERT INTO users (id, name, email, created_at) VALUES ($1, 'Probe', 'probe@example.com', now()) ON CONFLICT DO NOTHING",
        [PROBE_ID],
      );
      await db.query(
        "INSERT INTO orders (id, user_id, product_name, quantity, price, order_date) VALUES ($1, $1, 'Probe', 1, 1.00, now()) ON CONFLICT DO NOTHING",
        [PROBE_ID],
      );
    });
  });
  afterAll(async () => {
    await target(async (db) => {
      await db.query('DELETE FROM orders WHERE id = $1', [PROBE_ID]);
      await db.query('DELETE FROM users WHERE id = $1', [PROBE_ID]);
    });
  });

  it('prints the users and orders of the target with synced_at', async () => {
    const run = await runCli('check-target', ['--limit', '3']);
    expect(run.code, shown(run)).toBe(0);
    expect(run.stdout).toMatch(/^Target database: postgres:\/\/postgres:\*\*\*@/m);
    for (const table of ['users', 'orders']) {
      // `== public.users: N rows`, then the header row and the rows, then a blank line.
      const section = run.stdout.split(/^== /m).find((part) => part.startsWith(`public.${table}: `));
      expect(section, run.stdout).toMatch(new RegExp(`^public\\.${table}: [1-9]\\d* rows`));
      const [, headerRow, underline] = section!.split('\n');
      expect(headerRow).toMatch(/^id\s.*\bsynced_at\b/);
      expect(underline).toMatch(/^-+( +-+)+$/);
    }
  });
});

describe('check-target: newest rows first, every schema', () => {
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const schema = `tools_probe_${suffix}`;
  const NEWEST_ID = 990_002;
  beforeAll(async () => {
    await target(async (db) => {
      // synced_at in the future: the newest row of the table whatever the pipeline writes meanwhile.
      await db.query(
        "INSERT INTO users (id, name, email, created_at, synced_at) VALUES ($1, 'Newest', 'newest@example.com', now(), now() + interval '1 hour')",
        [NEWEST_ID],
      );
      // And an older one, so `--limit 1` leaves at least one out even on a fresh, empty target.
      await db.query(
        "INSERT INTO users (id, name, email, created_at, synced_at) VALUES ($1, 'Older', 'older@example.com', now(), now() - interval '1 hour') ON CONFLICT DO NOTHING",
        [NEWEST_ID + 1],
      );
      await db.query(`CREATE SCHEMA ${schema}`);
      await db.query(
        `CREATE TABLE ${schema}.items (id integer PRIMARY KEY, synced_at timestamptz NOT NULL DEFAULT now())`,
      );
      await db.query(`INSERT INTO ${schema}.items (id) SELECT generate_series(1, 3)`);
    });
  });
  afterAll(async () => {
    await target(async (db) => {
      await db.query('DELETE FROM users WHERE id = ANY($1)', [[NEWEST_ID, NEWEST_ID + 1]]);
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    });
  });

  it('shows the newest row by synced_at on top, says how many were left out and how to see them', async () => {
    const run = await runCli('check-target', ['--limit', '1']);
    expect(run.code, shown(run)).toBe(0);
    const section = run.stdout.split(/^== /m).find((part) => part.startsWith('public.users: '))!;
    const [title, , , firstRow] = section.split('\n');
    const total = Number(/^public\.users: (\d+) rows/.exec(title!)?.[1]);
    expect(title).toBe(
      `public.users: ${total} rows (newest 1 by synced_at; ${total - 1} more: --limit ${total} shows all)`,
    );
    expect(firstRow).toMatch(new RegExp(`^${NEWEST_ID}\\s+Newest\\s`));
  });

  it('covers every schema of the target, and --schema narrows it', async () => {
    const all = await runCli('check-target', ['--limit', '5']);
    expect(all.stdout).toContain(`== ${schema}.items: 3 rows\n`);
    expect(all.stdout).toContain('== public.users: ');
    const one = await runCli('check-target', ['--schema', schema]);
    expect(one.code, shown(one)).toBe(0);
    expect(one.stdout.match(/^== .*$/gm)).toEqual([`== ${schema}.items: 3 rows`]);
  });
});

describe('peek', () => {
  it('prints the last message of each partition with key, partition, offset, timestamp and the pretty value', async () => {
    const before = await topicOffsets(USERS_TOPIC);
    const run = await runCli('peek', [USERS_TOPIC, '--limit', '1']);
    expect(run.code, shown(run)).toBe(0);
    const messages = peeked(run.stdout);
    const filled = before.filter((p) => BigInt(p.high) > BigInt(p.low));
    expect(messages).toHaveLength(filled.length);
    for (const { partition, offset } of messages) {
      // The last message when peek started: at or past the end we saw just before.
      expect(offset).toBeGreaterThanOrEqual(BigInt(before.find((p) => p.partition === partition)!.high) - 1n);
    }
    expect(run.stdout).toMatch(
      /^key: {3}\{ "schema": "\(dbserver1\.public\.users\.Key: --schema shows it\)", "payload": \{ "id": \d+ \} \}$/m,
    );
    // The last message of a key is often a tombstone (after a delete); otherwise, the pretty envelope.
    expect(run.stdout).toMatch(
      /^value: (\(null: a tombstone\)|\{\n {2}"schema": "\(dbserver1\.public\.users\.Envelope)/m,
    );
    expect(run.stdout).toContain(`${messages.length} message(s) from ${USERS_TOPIC}`);
  });

  it('--from-beginning --limit 2 prints the first two messages, with their change events', async () => {
    const offsets = await topicOffsets(USERS_TOPIC);
    const run = await runCli('peek', [USERS_TOPIC, '--from-beginning', '--limit', '2']);
    expect(run.code, shown(run)).toBe(0);
    const expected = offsets.flatMap(({ partition, low, high }) =>
      [0n, 1n]
        .filter((step) => BigInt(low) + step < BigInt(high))
        .map((step) => ({ partition, offset: BigInt(low) + step })),
    );
    // Partitions are read side by side: their messages interleave, each partition's in offset order.
    const printed = peeked(run.stdout);
    const byPartition = (p: number): bigint[] =>
      printed.filter(({ partition }) => partition === p).map(({ offset }) => offset);
    for (const { partition } of offsets)
      expect(byPartition(partition)).toEqual(
        expected.filter((e) => e.partition === partition).map(({ offset }) => offset),
      );
    expect(printed).toHaveLength(expected.length);
    expect(run.stdout).toContain('"payload": {');
    expect(run.stdout).toMatch(/"op": "[crud]"/);
    expect(run.stdout).toMatch(/"source": \{\n\s+"version": "[^"]+",\n\s+"connector": "postgresql"/);
    expect(run.stdout).toContain(`${expected.length} message(s) from ${USERS_TOPIC}`);
  });

  it('--schema prints the Connect schema of the key too', async () => {
    const run = await runCli('peek', [USERS_TOPIC, '--limit', '1', '--schema']);
    expect(run.code, shown(run)).toBe(0);
    expect(run.stdout).not.toContain('--schema shows it');
    expect(run.stdout).toMatch(
      /^key: {3}\{ "schema": \{ "type": "struct", "fields": \[ \{ "type": "int32", .*"field": "id" \} \], .*"name": "dbserver1\.public\.users\.Key" \}, "payload": \{ "id": \d+ \} \}$/m,
    );
  });

  it('ends quietly when the reader of its output leaves (peek … | head -1)', async () => {
    // Enough output to outgrow the pipe's buffer, so writes go on after head has left.
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(
          'bash',
          [
            '-c',
            `node --import tsx src/cli/bin.ts peek ${USERS_TOPIC} --from-beginning --limit 100000 --schema | head -1; exit \${PIPESTATUS[0]}`,
          ],
          { cwd: PROJECT_ROOT, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, stdout, stderr }));
      },
    );
    expect(run.stdout).toMatch(/^--- partition \d+ {2}offset \d+ /);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('fails with a clear message and a non-zero exit code on an unknown topic', async () => {
    const run = await runCli('peek', ['dbserver1.public.no_such_table']);
    expect(run.code, shown(run)).not.toBe(0);
    expect(run.stderr).toContain('✗ topic dbserver1.public.no_such_table does not exist. Topics:');
    expect(run.stderr).toContain(USERS_TOPIC);
    expect(run.stderr).toContain('fix: cdc-pipeline topics (npm run topics) lists them');
  });
});

describe('topics', () => {
  it('lists dbserver1.public.users with its partitions and end offsets', async () => {
    const before = await topicOffsets(USERS_TOPIC);
    const run = await runCli('topics');
    expect(run.code, shown(run)).toBe(0);
    expect(run.stdout).toMatch(/^TOPIC\s+PARTITIONS\s+END OFFSETS \(partition:offset\)\s+MESSAGES$/m);
    const row = run.stdout.split('\n').find((line) => line.startsWith(`${USERS_TOPIC} `));
    expect(row, run.stdout).toBeDefined();
    const [, partitions, ends] = row!.match(/^\S+\s+(\d+)\s+((?:\d+:\d+ ?)+)\s+\d+$/) ?? [];
    expect(Number(partitions)).toBe(before.length);
    const printed = ends!
      .trim()
      .split(' ')
      .map((entry) => entry.split(':').map(BigInt));
    expect(printed.map(([partition]) => Number(partition))).toEqual(before.map((p) => p.partition));
    for (const [partition, end] of printed) {
      // Others may write meanwhile: never less than just before.
      expect(end).toBeGreaterThanOrEqual(BigInt(before.find((p) => p.partition === Number(partition))!.high));
    }
  });
});

describe('topics --delete', () => {
  const doomed = `tools-probe-delete-${process.pid}-${Date.now()}`;
  beforeAll(async () => {
    const admin = kafkaClient('cdc-test-tools').admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: doomed, numPartitions: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses without --yes and deletes with it', async () => {
    const unconfirmed = await runCli('topics', ['--delete', doomed]);
    expect(unconfirmed.code, shown(unconfirmed)).toBe(1);
    expect(unconfirmed.stderr).toContain(
      `✗ topics --delete ${doomed} drops its 0 retained messages for good`,
    );
    expect(unconfirmed.stderr).toContain('fix: add --yes to delete it');
    expect((await runCli('topics')).stdout).toContain(doomed);

    const confirmed = await runCli('topics', ['--delete', doomed, '--yes']);
    expect(confirmed.code, shown(confirmed)).toBe(0);
    expect(confirmed.stdout).toContain(`Deleted topic ${doomed} (0 messages).`);
    expect((await runCli('topics')).stdout).not.toContain(doomed);
  });
});

describe('connector:status', () => {
  it('shows the connector and its task RUNNING', async () => {
    const run = await runCli('status');
    expect(run.code, shown(run)).toBe(0);
    expect(run.stdout).toMatch(/^Connector postgres-connector on http:\/\//m);
    expect(run.stdout).toMatch(/^ {2}connector: RUNNING \(worker .+\)$/m);
    expect(run.stdout).toMatch(/^ {2}task 0: {4}RUNNING \(worker .+\)$/m);
    expect(run.stdout).toContain('tables:    public.users,public.orders');
  });
});

describe('verify', () => {
  // Tables of the test's own, made directly in both databases: the connector does not capture them,
  // so nothing but this test writes them.
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const probe = `verify_probe_${suffix}`;
  const big = `verify_probe_big_${suffix}`;
  const BIG_ROWS = 20_000;

  const create = (table: string, withSyncedAt: boolean): string =>
    `CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL, amount numeric(10, 2), seen timestamp` +
    `${withSyncedAt ? ', synced_at timestamptz NOT NULL DEFAULT now()' : ''})`;
  const fill = (table: string, rows: number): string =>
    `INSERT INTO ${table} (id, name, amount, seen)
       SELECT i, 'row ' || i || ' ' || md5(i::text), (i * 1.25)::numeric(10, 2),
              CASE WHEN i % 7 = 0 THEN NULL ELSE timestamp '2024-01-01' + i * interval '1 minute' END
         FROM generate_series(1, ${rows}) AS i`;

  beforeAll(async () => {
    await source(async (db) => {
      for (const table of [probe, big]) await db.query(create(table, false));
      await db.query(fill(probe, 20));
      await db.query(fill(big, BIG_ROWS));
    });
    await target(async (db) => {
      for (const table of [probe, big]) await db.query(create(table, true));
      await db.query(fill(probe, 20));
      await db.query(fill(big, BIG_ROWS));
    });
  });

  afterAll(async () => {
    await source((db) => db.query(`DROP TABLE IF EXISTS ${probe}, ${big}`));
    await target((db) => db.query(`DROP TABLE IF EXISTS ${probe}, ${big}`));
  });

  it('says identical and exits 0 when source and target hold the same rows (synced_at aside)', async () => {
    const run = await runCli('verify', ['--table', probe]);
    expect(run.code, shown(run)).toBe(0);
    expect(run.stdout).toContain(`✓ public.${probe}: source 20 rows, target 20 rows, identical`);
    expect(run.stdout).toContain('Source and target are identical (1 tables).');
  });

  it('lists the differing, missing and extra keys and exits 1', async () => {
    await target(async (db) => {
      await db.query(`UPDATE ${probe} SET amount = amount + 0.01 WHERE id = 2`);
      await db.query(`DELETE FROM ${probe} WHERE id = 3`);
      await db.query(`INSERT INTO ${probe} (id, name) VALUES (999, 'only in target')`);
    });
    const run = await runCli('verify', ['--table', probe]);
    expect(run.code, shown(run)).toBe(1);
    expect(run.stdout).toContain(`✗ public.${probe}: source 20 rows, target 20 rows`);
    expect(run.stdout).toContain('1 missing in target: keys [3]');
    expect(run.stdout).toContain('1 extra in target: keys [999]');
    expect(run.stdout).toContain('1 differing: keys [2]');
    expect(run.stdout).toContain('Source and target differ.');
  });

  it(`streams ${BIG_ROWS} rows through cursors and still finds one difference deep inside`, async () => {
    const started = Date.now();
    const same = await runCli('verify', ['--table', big]);
    const ms = Date.now() - started;
    expect(same.code, shown(same)).toBe(0);
    expect(same.stdout).toContain(
      `✓ public.${big}: source ${BIG_ROWS} rows, target ${BIG_ROWS} rows, identical`,
    );
    console.log(`verify of ${BIG_ROWS} rows: ${ms} ms, process start included`);

    await target((db) => db.query(`UPDATE ${big} SET name = 'changed' WHERE id = 15000`));
    const differs = await runCli('verify', ['--table', big]);
    expect(differs.code, shown(differs)).toBe(1);
    expect(differs.stdout).toContain('1 differing: keys [15000]');
  });
});
