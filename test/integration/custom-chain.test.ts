/**
 * The README's custom chain (examples/custom-chain.ts), run on the real stack: a filter and a column
 * transform between decode and batch, written with the library's operators.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Subject, type Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskedUsers } from '../../examples/custom-chain.js';
import { PROJECT_ROOT } from '../../infra/stack/config.js';
import { createPostgresSink, createTargetPool, type Failure } from '../../src/index.js';
import { kafkaClient, source, stack, target } from './support/stack.js';

describe('custom chain from the README', () => {
  const pool = createTargetPool(stack().TARGET_DATABASE_URL);
  const groupId = `it-custom-${Date.now()}`;
  const consumer = kafkaClient(groupId).consumer({ groupId, maxWaitTimeInMs: 500 });
  const failures: Failure[] = [];
  let subscription: Subscription | undefined;

  beforeAll(async () => {
    await target(async (db) => {
      await db.query('DROP TABLE IF EXISTS users_masked');
      await db.query('CREATE TABLE users_masked (LIKE users INCLUDING DEFAULTS, PRIMARY KEY (id))');
    });
  });
  afterAll(async () => {
    subscription?.unsubscribe();
    await consumer.disconnect();
    await pool.end();
    await target((db) => db.query('DROP TABLE IF EXISTS users_masked'));
    await source((db) => db.query("DELETE FROM users WHERE email LIKE 'custom-%'"));
  });

  it('is the code the README shows', () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const example = fs.readFileSync(path.join(PROJECT_ROOT, 'examples', 'custom-chain.ts'), 'utf8');
    const body = example.slice(example.indexOf('/** Keeps only the domain'));
    expect(readme).toContain(body.trim());
  });

  it('leaves test accounts out and masks e-mail addresses', async () => {
    const run = Date.now();
    await source(async (db) => {
      await db.query("INSERT INTO users (name, email) VALUES ('Kept', $1), ('Tester', $2)", [
        `custom-${run}@example.com`,
        `custom-${run}@test.invalid`,
      ]);
    });
    const deadLetters = new Subject<Failure>();
    deadLetters.subscribe((failure) => failures.push(failure));
    subscription = maskedUsers(consumer, createPostgresSink({ pool }), deadLetters).subscribe();

    const deadline = Date.now() + 60_000;
    let rows: { name: string; email: string }[] = [];
    while (Date.now() < deadline) {
      rows = (
        await target((db) =>
          db.query<{ name: string; email: string }>(
            "SELECT name, email FROM users_masked WHERE name IN ('Kept', 'Tester')",
          ),
        )
      ).rows;
      if (rows.length > 0) break;
      await sleep(200);
    }
    expect(rows).toEqual([{ name: 'Kept', email: '***@example.com' }]);
    const all = (await target((db) => db.query<{ email: string }>('SELECT email FROM users_masked'))).rows;
    expect(all.every((row) => row.email.startsWith('***@'))).toBe(true);
    expect(failures).toEqual([]);
  });
});
