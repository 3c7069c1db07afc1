/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. Unlike the wall
 * clock it hardly moves when other programs load the machine: the figure to compare systems by on
 * a shared box.
 */
import fs from 'node:fs';
import os from 'node:os';

/** USER_HZ: what Linux counts /proc times in, 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU seconds the whole machine has been busy so far (every core, every process: the system under
 * test, Kafka, PostgreSQL, the rest), from /proc/stat. Over a drain it tells how much of the
 * machine a system took: a system that saturates every core can only go faster by using less.
 */
export function machineBusySeconds(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds over a backlog as µs a message, as every line and table of the bench gives it: "60.5". */
export const microsPerMessage = (seconds: number, messages: number): string =>
  ((seconds / messages) * 1e6).toFixed(1);

/** "CPU 12.10 s (60.5 µs a message)" */
export const describeCpu = (seconds: number, messages: number): string =>
  `CPU ${seconds.toFixed(2)} s (${microsPerMessage(seconds, messages)} µs a message)`;

/** "machine 14.80 s busy (74.0 µs a message, 1.83 of 2 cores)" */
export const describeMachineCpu = (busySeconds: number, seconds: number, messages: number): string =>
  `machine ${busySeconds.toFixed(2)} s busy (${microsPerMessage(busySeconds, messages)} µs a message, ${(busySeconds / seconds).toFixed(2)} of ${os.cpus().length} cores)`;
