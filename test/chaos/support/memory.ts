/**
 * The pipeline's memory, observed from outside the process: RSS from /proc/<pid>/status, and the V8
 * heap from the lines `node --trace-gc` writes to the process's output after each collection
 * (`… Mark-Compact 41.2 (44.0) -> 38.9 (44.5) MB …`: used heap before and after, committed in
 * parentheses). No inspector, no change to the service.
 */
import fs from 'node:fs';

const KIB_PER_MIB = 1024;
/** The heap in use after a collection, in MB, and which kind of collection it was. */
const GC_LINE =
  /^\[\d+:(0x[0-9a-f]+)\][^\n]*?(Scavenge|Mark-Compact|Minor Mark-Sweep)[^\n]*?-> ([\d.]+) \(([\d.]+)\) MB/gm;

/** Resident set size in MiB, or undefined when the process is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    return match ? Number(match[1]) / KIB_PER_MIB : undefined;
  } catch {
    return undefined;
  }
}

export interface HeapReading {
  /** Heap in use after the last collection of the window, MB. */
  readonly usedMiB: number;
  /** Heap in use after the last full (mark-compact) collection of the window, when there was one. */
  readonly afterFullGcMiB: number | undefined;
  readonly collections: number;
}

/** Reads a --trace-gc log from where the last call stopped. */
export class GcTrace {
  #offset: number;

  constructor(
    private readonly logFile: string,
    from = 0,
  ) {
    this.#offset = from;
  }

  /** What the collections since the last reading say; undefined when there were none. */
  next(): HeapReading | undefined {
    const size = fs.statSync(this.logFile).size;
    if (size <= this.#offset) return undefined;
    const handle = fs.openSync(this.logFile, 'r');
    const buffer = Buffer.alloc(size - this.#offset);
    try {
      fs.readSync(handle, buffer, 0, buffer.length, this.#offset);
    } finally {
      fs.closeSync(handle);
    }
    // Only whole lines: a line being written is read next time.
    const text = buffer.toString('utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    this.#offset += Buffer.byteLength(complete);
    // One line per isolate: tsx's module loader runs in a thread of its own, with its own small heap.
    // The service's isolate is the busy one: the one with the most collections.
    const isolates = new Map<
      string,
      { usedMiB: number; afterFullGcMiB: number | undefined; collections: number }
    >();
    for (const [, isolate, kind, after] of complete.matchAll(GC_LINE)) {
      const seen = isolates.get(isolate!) ?? { usedMiB: 0, afterFullGcMiB: undefined, collections: 0 };
      const usedMiB = Number(after);
      isolates.set(isolate!, {
        usedMiB,
        afterFullGcMiB: kind === 'Mark-Compact' ? usedMiB : seen.afterFullGcMiB,
        collections: seen.collections + 1,
      });
    }
    return [...isolates.values()].sort((a, b) => b.collections - a.collections)[0];
  }
}
