/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. Unlike the wall
 * clock it hardly moves when other programs load the machine: the figure to compare systems by on
 * a shared box.
 */
import fs from 'node:fs';

/** USER_HZ: what Linux counts /proc times in, 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** "CPU 12.10 s (60.5 µs a message)" */
export const describeCpu = (seconds: number, messages: number): string =>
  `CPU ${seconds.toFixed(2)} s (${((seconds / messages) * 1e6).toFixed(1)} µs a message)`;
