/** Option parsers shared by the commands: a bad value is refused by commander with its message. */
import { InvalidArgumentError } from 'commander';

/** A whole number, 1 or more (`--limit`, `--sample`). */
export function positiveInt(raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError('must be a whole number, 1 or more');
  return value;
}
