/**
 * The stack end to end, before any code of ours: a row inserted, updated and deleted in the source
 * arrives on dbserver1.public.users as Debezium change events, read with kafkajs from Kafka 4.
 */
import { describe, expect, it } from 'vitest';
import { collectMessages, source } from './support/stack.js';

interface Envelope {
  schema: { name: string };
  payload: {
    op: string;
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    source: { lsn: number; table: string; snapshot: string | null; db: string };
  };
}

describe('Debezium change events on the real stack', () => {
  it('carries an insert, an update and a delete of a users row, with before/after and the LSN', async () => {
    const email = `events-${Date.now()}@example.com`;
    const id = await source(async (db) => {
      const inserted = await db.query<{ id: number }>(
        "INSERT INTO users (name, email) VALUES ('Eve', $1) RETURNING id",
        [email],
      );
      const rowId = inserted.rows[0]!.id;
      await db.query("UPDATE users SET name = 'Eve Adams' WHERE id = $1", [rowId]);
      await db.query('DELETE FROM users WHERE id = $1', [rowId]);
      return rowId;
    });

    const mentionsRow = (value: Buffer | null): boolean => value !== null && value.toString().includes(email);
    const messages = await collectMessages('dbserver1.public.users', (found) => found.length >= 3, {
      filter: (message) => mentionsRow(message.value),
    });
    const events = messages.map((message) => JSON.parse(message.value!.toString()) as Envelope);

    expect(events.map((event) => event.payload.op)).toEqual(['c', 'u', 'd']);
    const [created, updated, deleted] = events.map((event) => event.payload);
    expect(created!.before).toBeNull();
    expect(created!.after).toMatchObject({ id, name: 'Eve', email });
    // REPLICA IDENTITY FULL: updates and deletes carry the whole old row.
    expect(updated!.before).toMatchObject({ id, name: 'Eve', email });
    expect(updated!.after).toMatchObject({ id, name: 'Eve Adams', email });
    expect(deleted!.before).toMatchObject({ id, name: 'Eve Adams', email });
    expect(deleted!.after).toBeNull();
    for (const event of events) {
      expect(event.schema.name).toBe('dbserver1.public.users.Envelope');
      expect(event.payload.source).toMatchObject({ table: 'users', db: 'sourcedb' });
      // Streaming, not snapshot: Debezium leaves `snapshot` null, and with
      // value.converter.replace.null.with.default=false (as shipped) it stays null instead of the schema's "false".
      expect(event.payload.source.snapshot).toBeNull();
      expect(event.payload.source.lsn).toBeGreaterThan(0);
    }
    expect(events[0]!.payload.source.lsn).toBeLessThan(events[2]!.payload.source.lsn);
    expect(JSON.parse(messages[0]!.key!.toString())).toEqual({ schema: expect.any(Object), payload: { id } });
  });
});
