import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GcTrace } from '../chaos/support/memory.js';

/** Lines as `node --trace-gc` prints them: the service's isolate and tsx's loader thread. */
const MAIN = '[4242:0x34c8ad70]';
const LOADER = '[4242:0x7fc970000f00]';
const scavenge = (isolate: string, after: number): string =>
  `${isolate}      443 ms: Scavenge 9.9 (10.7) -> ${after} (11.0) MB, 1.30 / 0.00 ms  (average mu = 1.000, current mu = 1.000) task; \n`;
const markCompact = (isolate: string, after: number): string =>
  `${isolate}      802 ms: Mark-Compact 18.4 (30.0) -> ${after} (31.2) MB, 8.66 / 0.01 ms  (average mu = 1.000) finalize incremental marking\n`;
const pinoLine = '{"level":30,"msg":"progress: 900 changes/s, lag 12"}\n';

describe('GcTrace', () => {
  let folder: string;
  let log: string;
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gc-trace-'));
    log = path.join(folder, 'pipeline.log');
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));

  it("reads the busy isolate's heap after its last collection, and after its last full one", () => {
    fs.writeFileSync(
      log,
      scavenge(MAIN, 20.5) +
        pinoLine +
        scavenge(LOADER, 7.7) +
        markCompact(MAIN, 18.9) +
        scavenge(MAIN, 24.1),
    );
    expect(new GcTrace(log).next()).toEqual({ usedMiB: 24.1, afterFullGcMiB: 18.9, collections: 3 });
  });

  it('reads on from where it stopped, and leaves a line being written for next time', () => {
    fs.writeFileSync(log, scavenge(MAIN, 20));
    const trace = new GcTrace(log);
    expect(trace.next()?.usedMiB).toBe(20);
    expect(trace.next()).toBeUndefined();
    const half = scavenge(MAIN, 31);
    fs.appendFileSync(log, half.slice(0, 30));
    expect(trace.next()).toBeUndefined();
    fs.appendFileSync(log, half.slice(30));
    expect(trace.next()).toEqual({ usedMiB: 31, afterFullGcMiB: undefined, collections: 1 });
  });

  it('starts at the offset given: an earlier process in the same log is not read', () => {
    fs.writeFileSync(log, scavenge(MAIN, 99));
    const from = fs.statSync(log).size;
    fs.appendFileSync(log, scavenge(MAIN, 12));
    expect(new GcTrace(log, from).next()?.usedMiB).toBe(12);
  });
});
