import { describe, expect, it } from 'vitest';
import { rssVerdict } from '../chaos/support/rss-verdict.js';

describe('rssVerdict', () => {
  it('calls RSS flat when every sample stays within ±10% of the first one after the warm-up', () => {
    expect(rssVerdict([200, 195, 219, 205, 181])).toMatchObject({ flat: true, baselineMiB: 200, samples: 5 });
  });

  it('calls a steady climb not flat once it passes +10%, even when it is even', () => {
    expect(rssVerdict([200, 210, 220, 230, 240])).toMatchObject({ flat: false, minMiB: 200, maxMiB: 240 });
  });

  it('calls one spike beyond +10% not flat', () => {
    expect(rssVerdict([200, 200, 221, 200])?.flat).toBe(false);
  });

  it('calls a drop beyond -10% not flat', () => {
    expect(rssVerdict([200, 179, 200])?.flat).toBe(false);
  });

  it('has no verdict without samples', () => {
    expect(rssVerdict([])).toBeUndefined();
  });
});
