/**
 * The programs the native stack runs on: Java 17+, Maven (only to resolve the jars) and the
 * PostgreSQL server binaries. Each lookup fails with the name of what is missing and how to get it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StackError } from './stack-error.js';

export const MIN_JAVA_MAJOR = 17;
const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';

/** stdout and stderr of a program (`java -version` prints to stderr), undefined when it is missing. */
function run(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) return undefined;
  return `${result.stdout}${result.stderr}`;
}

/** The java command (JAVA_HOME's when set), checked to be version 17 or newer. */
export function findJava(): string {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const output = run(java, ['-version']) ?? '';
  const match = /version "(\d+)/.exec(output);
  if (!match) {
    throw new StackError(
      'java',
      `no Java found (tried ${java})`,
      `install a Java ${MIN_JAVA_MAJOR}+ runtime (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME`,
    );
  }
  const major = Number(match[1]);
  if (major < MIN_JAVA_MAJOR) {
    throw new StackError(
      'java',
      `Java ${major} is too old: Kafka 4 and Debezium 3 need Java ${MIN_JAVA_MAJOR}+`,
      `install Java ${MIN_JAVA_MAJOR}+ and point JAVA_HOME at it`,
    );
  }
  return java;
}

export function findMaven(mvn = 'mvn'): string {
  if (run(mvn, ['-v']) === undefined) {
    throw new StackError(
      'maven',
      'mvn is not installed: it resolves the Kafka, Connect and Debezium jars from Maven Central',
      'install Apache Maven (Debian: apt-get install maven)',
    );
  }
  return mvn;
}

/**
 * The folder of initdb/pg_ctl/postgres: PG_BIN when set, else `pg_config --bindir`, else the
 * newest /usr/lib/postgresql/<version>/bin (Debian keeps the server binaries off the PATH).
 */
export function findPostgresBin({
  pgBin = process.env.PG_BIN,
  searchRoot = DEBIAN_POSTGRES_ROOT,
  usePgConfig = true,
} = {}): string {
  const candidates: string[] = [];
  if (pgBin) candidates.push(pgBin);
  const fromPgConfig = usePgConfig ? run('pg_config', ['--bindir'])?.trim().split('\n')[0] : undefined;
  if (fromPgConfig) candidates.push(fromPgConfig);
  if (fs.existsSync(searchRoot)) {
    const versions = fs
      .readdirSync(searchRoot)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => path.join(searchRoot, version, 'bin')));
  }
  const found = candidates.find(
    (dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')),
  );
  if (!found) {
    throw new StackError(
      'postgres',
      `the PostgreSQL server binaries (initdb, pg_ctl) were not found (looked in: ${candidates.join(', ') || 'nothing'})`,
      'install them (Debian: apt-get install postgresql) or set PG_BIN to the folder that holds initdb',
    );
  }
  return found;
}
