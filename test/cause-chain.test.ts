import { describe, expect, it } from 'vitest';
import { causeChain, findInCauseChain, MAX_CAUSE_DEPTH } from '../src/cause-chain.js';

describe('causeChain', () => {
  it('walks from the error itself through each cause, and stops at a non-object', () => {
    const root = { code: '40001' };
    const middle = new Error('apply failed', { cause: root });
    const outer = new Error('flush failed', { cause: middle });
    expect([...causeChain(outer)]).toEqual([outer, middle, root]);
    expect([...causeChain('not an error')]).toEqual([]);
    expect(findInCauseChain(outer, (link) => ('code' in link ? String(link.code) : undefined))).toBe('40001');
  });

  it('ends a cycle at the depth limit', () => {
    const a: { cause?: unknown } = {};
    const b = { cause: a };
    a.cause = b;
    expect([...causeChain(a)]).toHaveLength(MAX_CAUSE_DEPTH);
    expect(findInCauseChain(a, () => undefined)).toBeUndefined();
  });
});
