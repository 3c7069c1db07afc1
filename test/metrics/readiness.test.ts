import { describe, expect, it } from 'vitest';
import { checkReadiness, type ReadinessSources } from '../../src/metrics/readiness.js';

const sources = (overrides: Partial<ReadinessSources> = {}): ReadinessSources => ({
  assignedPartitions: () => 2,
  outages: () => [],
  lastFailure: () => undefined,
  probeTarget: () => Promise.resolve(),
  ...overrides,
});

describe('checkReadiness', () => {
  it('is ready with partitions assigned, no outage and a target that answers', async () => {
    const readiness = await checkReadiness(sources());
    expect(readiness).toEqual({
      ready: true,
      reasons: [],
      checks: { partitions: { ok: true, assigned: 2 }, broker: { ok: true }, target: { ok: true } },
      lastError: null,
    });
  });

  it('names each reason it is not ready', async () => {
    const readiness = await checkReadiness(
      sources({
        assignedPartitions: () => 0,
        outages: () => [
          { part: 'broker', sinceMs: 12_400, reason: 'Connection error: connect ECONNREFUSED' },
        ],
        lastFailure: () => ({ part: 'broker', reason: 'Connection error', atMs: Date.UTC(2026, 0, 1) }),
      }),
    );
    expect(readiness.ready).toBe(false);
    expect(readiness.reasons).toEqual([
      'no partition assigned (starting, rebalancing or waiting for a topic)',
      'Kafka unreachable for 12 s: Connection error: connect ECONNREFUSED',
    ]);
    expect(readiness.checks.target).toEqual({ ok: true });
    expect(readiness.lastError).toEqual({
      part: 'broker',
      reason: 'Connection error',
      at: '2026-01-01T00:00:00.000Z',
    });
  });

  it('asks the target itself: an idle pipeline would not notice it went away', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:15433'), {
      code: 'ECONNREFUSED',
    });
    const readiness = await checkReadiness(sources({ probeTarget: () => Promise.reject(refused) }));
    expect(readiness.ready).toBe(false);
    expect(readiness.checks.target.ok).toBe(false);
    expect(readiness.reasons).toEqual([
      expect.stringMatching(/^target PostgreSQL does not answer: .*ECONNREFUSED/),
    ]);
  });

  it('reports a target outage the service already waits for without probing again', async () => {
    let probed = false;
    const readiness = await checkReadiness(
      sources({
        outages: () => [{ part: 'target', sinceMs: 3000, reason: 'terminating connection' }],
        probeTarget: async () => {
          probed = true;
        },
      }),
    );
    expect(readiness.reasons).toEqual(['target PostgreSQL unreachable for 3 s: terminating connection']);
    expect(probed).toBe(false);
  });
});
