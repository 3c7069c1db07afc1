/**
 * How every command of ours runs and ends: output to a closed pipe (`cdc-pipeline peek … | head -1`)
 * ends the process quietly, as Unix tools do; a configuration error is one line per variable and
 * exit code 2; any other failure is its message (with its `fix:` line) and exit code 1, no stack.
 */
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';

/** Exit code of a configuration error: the person running the command has to fix a variable. */
const CONFIG_ERROR_EXIT = 2;
const FAILURE_EXIT = 1;

/** A reader that stopped reading is not an error: leave quietly, with success. */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
}

/** What a failure prints: ✗ and the message, each line of a ConfigError a problem of its own. */
function failureLines(error: unknown): string {
  if (error instanceof ConfigError) {
    return error.message
      .split('\n')
      .map((line) => `✗ ${line}`)
      .join('\n');
  }
  return `✗ ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Parses argv and runs the command, then exits with `process.exitCode`: what the command opened is
 * closed by then, and a client library's idle timer must not keep the process alive.
 */
export async function runProgram(program: Command, argv: readonly string[] = process.argv): Promise<never> {
  exitQuietlyOnClosedPipe();
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    console.error(failureLines(error));
    process.exit(error instanceof ConfigError ? CONFIG_ERROR_EXIT : FAILURE_EXIT);
  }
  process.exit(process.exitCode ?? 0);
}
