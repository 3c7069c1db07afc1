/**
 * A secret from the environment or from a file, the way container platforms hand them over
 * (Docker and Kubernetes secrets mount a file; `echo pw > file` leaves a newline, which is dropped).
 */
import fs from 'node:fs';

/** The secret: `value` when set, else the content of `file` when set, else ''. */
export function readSecret(value: string, file: string): string {
  if (value !== '') return value;
  if (file === '') return '';
  return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}
