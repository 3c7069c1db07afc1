/**
 * `npm run demo -- --keep` on the running stack, as a new user runs it: every step of the story
 * arrives (create, update and delete of a user and an order), the verification passes, and the
 * stack it found running is still running afterwards.
 */
import { describe, expect, it } from 'vitest';
import { runCli, shown } from './support/cli.js';
import { target } from './support/stack.js';

const DEMO_TIMEOUT_MS = 240_000;

const STEPS = [
  ['insert a user', 'c'],
  ['insert an order for that user', 'c'],
  ['update the user', 'u'],
  ['update the order', 'u'],
  ['delete the order', 'd'],
  ['delete the user', 'd'],
] as const;

const OP_WORDS = { c: 'create', u: 'update', d: 'delete' } as const;

describe('npm run demo', () => {
  it(
    'tells the CDC story step by step, verifies the target, and leaves the running stack running',
    async () => {
      const run = await runCli('demo', ['--keep'], { timeoutMs: DEMO_TIMEOUT_MS });
      expect(run.code, shown(run)).toBe(0);
      const out = run.stdout;

      expect(out).toContain('✓ stack already running: it stays running afterwards');
      expect(out).toMatch(/✓ caught up with Kafka \(consumer lag 0\)/);
      // Each step: its header, the SQL it ran, the event as it arrived on Kafka, the target, the latency.
      const sections = out.split(/^━━ /m);
      STEPS.forEach(([title, op], index) => {
        const heading = `Step ${index + 1}/${STEPS.length}: ${title} (op ${op})`;
        const section = sections.find((part) => part.startsWith(heading));
        expect(section, `no section "${heading}"\n${out}`).toBeDefined();
        expect(section).toMatch(/^ {2}source SQL {3}(INSERT INTO|UPDATE|DELETE FROM) (users|orders)\b/m);
        expect(section).toMatch(
          /^ {2}Kafka event {2}dbserver1\.public\.(users|orders) {2}partition \d+ {2}offset \d+/m,
        );
        expect(section).toMatch(new RegExp(`^ {15}op +${op} \\(${OP_WORDS[op]}\\)$`, 'm'));
        expect(section).toMatch(/^ {15}key +\{"id":\d+\}$/m);
        expect(section).toMatch(/^ {15}source +lsn \d+ {2}txId \d+ {2}committed /m);
        expect(section).toMatch(
          op === 'd'
            ? /^ {2}target row {3}gone \(its last synced_at was .+\)$/m
            : /^ {2}target row {3}id .*synced_at/m,
        );
        expect(section).toMatch(
          /^ {2}arrived {6}on Kafka \d+ ms after the source commit, in the target \d+ ms after it$/m,
        );
      });
      expect(out).toMatch(/✓ public\.users: source \d+ rows, target \d+ rows, identical/);
      expect(out).toMatch(/✓ public\.orders: source \d+ rows, target \d+ rows, identical/);
      expect(out).toContain('steps:        6 of 6 arrived');
      expect(out).toContain('verification: passed: source and target identical');
      expect(out).toContain('pipeline:     stopped gracefully');
      expect(out).toContain('✓ Demo passed');
      expect(out).toContain('The stack was running before the demo and is still running.');
      expect(out).toContain('npm run stack:down');

      const status = await runCli('stack', ['status']);
      expect(status.code, shown(status)).toBe(0);
      expect(status.stdout).toMatch(/^connector\s+running\b/m);
    },
    DEMO_TIMEOUT_MS + 30_000,
  );

  it(
    'with --consistency transaction keeps the deferred foreign key in the target, shows a two-table transaction applied whole, and drops the key again',
    async () => {
      const run = await runCli('demo', ['--keep', '--consistency', 'transaction'], {
        timeoutMs: DEMO_TIMEOUT_MS,
      });
      expect(run.code, shown(run)).toBe(0);
      const out = run.stdout;
      expect(out).toMatch(/FOREIGN KEY \(user_id\) REFERENCES users \(id\) DEFERRABLE INITIALLY DEFERRED/);
      expect(out).toContain('steps:        6 of 6 arrived');
      expect(out).toMatch(
        /^ {2}source SQL {3}BEGIN; INSERT INTO users … \(id \d+\); INSERT INTO orders … \(id \d+\); COMMIT$/m,
      );
      // Both rows with one synced_at: one target transaction.
      const [users, orders] = [/^.*users {2}synced_at (.+)$/m, /^.*orders synced_at (.+)$/m].map(
        (pattern) => out.match(pattern)?.[1],
      );
      expect(users).toBeDefined();
      expect(orders).toBe(users);
      expect(out).toContain('✓ one synced_at: both rows came in one target transaction');
      expect(out).toContain('verification: passed: source and target identical');
      expect(out).toContain('✓ Demo passed');
      const left = await target((db) =>
        db.query(`SELECT 1 FROM pg_constraint WHERE conname = 'orders_user_id_deferred_fk'`),
      );
      expect(left.rowCount).toBe(0);
    },
    DEMO_TIMEOUT_MS + 30_000,
  );
});
