import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../src/streams/offsetTracker.js';

const at = (offset: number | string, partition = 0, topic = 't') => ({
  topic,
  partition,
  offset: String(offset),
});

describe('OffsetTracker', () => {
  it('commits nothing until the first tracked record is done', () => {
    const tracker = new OffsetTracker();
    [0, 1, 2].forEach((o) => tracker.track(at(o)));
    tracker.done([at(1), at(2)]);
    expect(tracker.committable()).toEqual([]);
    expect(tracker.inFlight).toBe(1);
  });

  it('commits the end of the contiguous done prefix, as last offset + 1', () => {
    const tracker = new OffsetTracker();
    [10, 11, 12, 13].forEach((o) => tracker.track(at(o)));
    tracker.done([at(11), at(10), at(13)]);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: '12' }]);
    tracker.done([at(12)]);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: '14' }]);
    expect(tracker.inFlight).toBe(0);
  });

  it('offers an offset again until markCommitted records the broker acknowledged it', () => {
    const tracker = new OffsetTracker();
    tracker.track(at(5));
    tracker.done([at(5)]);
    // Offering is not committing: a commit that failed leaves the offset for the next one.
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: '6' }]);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: '6' }]);
    tracker.markCommitted([{ topic: 't', partition: 0, offset: '6' }]);
    expect(tracker.committable()).toEqual([]);
  });

  it('offers again once the done prefix moves past what the broker acknowledged', () => {
    const tracker = new OffsetTracker();
    [5, 6].forEach((o) => tracker.track(at(o)));
    tracker.done([at(5)]);
    tracker.markCommitted(tracker.committable());
    tracker.done([at(6)]);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: '7' }]);
  });

  it('never moves the acknowledged offset back: a late, older acknowledgement changes nothing', () => {
    const tracker = new OffsetTracker();
    [0, 1].forEach((o) => tracker.track(at(o)));
    tracker.done([at(0), at(1)]);
    tracker.markCommitted([{ topic: 't', partition: 0, offset: '2' }]);
    tracker.markCommitted([{ topic: 't', partition: 0, offset: '1' }]);
    expect(tracker.committable()).toEqual([]);
  });

  it('ignores markCommitted of a partition it does not know', () => {
    const tracker = new OffsetTracker();
    tracker.markCommitted([{ topic: 't', partition: 3, offset: '100' }]);
    // The acknowledgement left nothing behind: the partition, tracked later, commits from scratch.
    tracker.track(at(0, 3));
    tracker.done([at(0, 3)]);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 3, offset: '1' }]);
  });

  it('keeps partitions and topics apart', () => {
    const tracker = new OffsetTracker();
    tracker.track(at(0, 0));
    tracker.track(at(0, 1));
    tracker.track(at(7, 0, 'other'));
    tracker.done([at(0, 1), at(7, 0, 'other')]);
    expect(tracker.committable()).toEqual([
      { topic: 't', partition: 1, offset: '1' },
      { topic: 'other', partition: 0, offset: '8' },
    ]);
  });

  it('keeps 64-bit offsets exact', () => {
    const tracker = new OffsetTracker();
    tracker.track(at('9007199254740993'));
    tracker.done([at('9007199254740993')]);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: '9007199254740994' }]);
  });

  it('counts a record done once however often it is acknowledged', () => {
    const tracker = new OffsetTracker();
    [0, 1].forEach((o) => tracker.track(at(o)));
    tracker.done([at(1), at(1)]);
    expect(tracker.inFlight).toBe(1);
  });

  it('refuses offsets that do not ascend within a partition', () => {
    const tracker = new OffsetTracker();
    tracker.track(at(3));
    expect(() => tracker.track(at(3))).toThrow(/offset 3 of t\/0 arrived after 3/);
  });

  it('forgets everything on reset: records acknowledged after a rebalance commit nothing', () => {
    const tracker = new OffsetTracker();
    [0, 1].forEach((o) => tracker.track(at(o)));
    tracker.reset();
    tracker.done([at(0), at(1)]);
    expect(tracker.committable()).toEqual([]);
    expect(tracker.inFlight).toBe(0);
    tracker.track(at(0));
    tracker.done([at(0)]);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: '1' }]);
  });

  it('stays correct across queue compaction on long runs', () => {
    const tracker = new OffsetTracker();
    for (let o = 0; o < 10_000; o += 1) tracker.track(at(o));
    for (let o = 9_999; o >= 0; o -= 1) tracker.done([at(o)]);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: '10000' }]);
    tracker.track(at(10_000));
    tracker.done([at(10_000)]);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: '10001' }]);
  });
});
