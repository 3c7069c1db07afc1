/**
 * A failure of one part of the stack, told the way a user can act on it: which part, what went
 * wrong, the likely fix, and the tail of that part's log.
 */
import fs from 'node:fs';

export const LOG_TAIL_LINES = 30;

export class StackError extends Error {
  constructor(
    readonly part: string,
    message: string,
    readonly fix: string,
    readonly logFile?: string,
  ) {
    super(`${part}: ${message}`);
    this.name = 'StackError';
  }

  /** The full report: problem, fix, and the last lines of the part's log when there is one. */
  report(): string {
    const lines = [`✗ ${this.message}`, `  fix: ${this.fix}`];
    if (this.logFile) {
      const tail = tailOf(this.logFile, LOG_TAIL_LINES);
      lines.push(`  log: ${this.logFile}`);
      if (tail)
        lines.push(`  --- last lines of the log ---`, ...tail.split('\n').map((line) => `  | ${line}`));
    }
    return lines.join('\n');
  }
}

export function tailOf(file: string, lines: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
