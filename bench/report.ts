/**
 * What the bench prints: the machine and versions, then one table. Each rate counts one kind of
 * thing (change events, messages, rows), and a ratio divides only a rate by a rate of its kind.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { MAVEN_POM } from '../infra/stack/config.js';
import { PEER_POM } from '../infra/stack/peer-jars.js';
import { microsPerMessage } from './cpu.js';

export const fmt = (n: number): string => n.toLocaleString('en-US');

export type Unit = 'change events' | 'messages' | 'rows';

export interface Row {
  readonly system: string;
  readonly unit: Unit;
  readonly count: number;
  /** Undefined: the run failed, and `note` says why. */
  readonly seconds?: number;
  /** The CPU a run took over its clock, when measured. */
  readonly cpu?: RunCpu;
  readonly note?: string;
}

export interface RunCpu {
  /** CPU seconds of the system's own processes (the pipeline's instances, the Connect worker, the client). */
  readonly seconds: number;
  /** CPU seconds the whole machine was busy: every process, every core. */
  readonly machineBusySeconds: number;
  /** Messages of the backlog: CPU is given per message, whatever the row counts. */
  readonly messages: number;
}

/** Reference rates per unit: a row's ratio is the reference of its unit ÷ its own rate. */
export type References = Partial<Record<Unit, number>>;

export function printTable(rows: readonly Row[], references: References, say: (line: string) => void): void {
  const table = [
    [
      'system',
      'counts',
      'count',
      'seconds',
      'per second',
      'pipeline ÷ this',
      'CPU µs a message',
      'machine µs a message',
      'cores busy',
      'note',
    ],
  ];
  for (const row of rows) {
    const rate = row.seconds === undefined ? undefined : row.count / row.seconds;
    const reference = references[row.unit];
    table.push([
      row.system,
      row.unit,
      fmt(row.count),
      row.seconds === undefined ? 'failed' : row.seconds.toFixed(2),
      rate === undefined ? '–' : fmt(Math.round(rate)),
      rate === undefined || reference === undefined ? '–' : (reference / rate).toFixed(2),
      row.cpu ? microsPerMessage(row.cpu.seconds, row.cpu.messages) : '–',
      row.cpu ? microsPerMessage(row.cpu.machineBusySeconds, row.cpu.messages) : '–',
      row.cpu && row.seconds ? (row.cpu.machineBusySeconds / row.seconds).toFixed(2) : '–',
      row.note ?? '',
    ]);
  }
  const widths = table[0]!.map((_, c) => Math.max(...table.map((cells) => cells[c]!.length)));
  const left = new Set([0, 1, 9]);
  for (const [i, cells] of table.entries()) {
    say(
      `| ${cells.map((cell, c) => (left.has(c) ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`,
    );
    if (i === 0) say(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  }
}

function pomProperty(pom: string, name: string): string {
  return new RegExp(`<${name}>([^<]+)</${name}>`).exec(fs.readFileSync(pom, 'utf8'))?.[1] ?? '?';
}

function packageVersion(root: string, name: string): string {
  const file = path.join(root, 'node_modules', name, 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

function javaVersion(): string {
  // `java -version` prints to stderr.
  const { stderr } = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return /version "([^"]+)"/.exec(stderr ?? '')?.[1] ?? '?';
}

export async function machineLines(root: string, target: pg.Client): Promise<string[]> {
  const cpus = os.cpus();
  const { rows } = await target.query<{ server_version: string }>('SHOW server_version');
  return [
    `machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, load average ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')} at the start`,
    `versions: Node ${process.versions.node}, kafkajs ${packageVersion(root, 'kafkajs')}, pg ${packageVersion(root, 'pg')}, ` +
      `PostgreSQL ${rows[0]?.server_version ?? '?'}, Kafka ${pomProperty(MAVEN_POM, 'kafka.version')}, ` +
      `Debezium JDBC sink ${pomProperty(PEER_POM, 'debezium.jdbc.version')}, Java ${javaVersion()}`,
  ];
}
