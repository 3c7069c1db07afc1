/**
 * The Kafka, Connect and Debezium jars, resolved by Maven from infra/maven into .stack. Resolution
 * runs again only when the pom changes (a stamp holds the hash of the poms it resolved).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MAVEN_POM, type StackPaths } from './config.js';
import { StackError } from './stack-error.js';
import { findMaven } from './tools.js';

const POMS = [
  MAVEN_POM,
  ...['kafka', 'debezium-postgres'].map((module) => path.join(path.dirname(MAVEN_POM), module, 'pom.xml')),
];

function pomHash(): string {
  const hash = createHash('sha256');
  for (const pom of POMS) hash.update(fs.readFileSync(pom));
  return hash.digest('hex');
}

export function jarsResolved(paths: StackPaths): boolean {
  try {
    return fs.readFileSync(path.join(paths.root, 'jars.stamp'), 'utf8') === pomHash();
  } catch {
    return false;
  }
}

export function resolveJars(paths: StackPaths): 'resolved' | 'up to date' {
  if (jarsResolved(paths)) return 'up to date';
  const logFile = path.join(paths.logs, 'maven.log');
  fs.mkdirSync(paths.logs, { recursive: true });
  // A changed pom may drop jars: start from empty folders so no stale version stays on the class path.
  fs.rmSync(paths.lib, { recursive: true, force: true });
  fs.rmSync(paths.plugins, { recursive: true, force: true });
  mavenPackage(MAVEN_POM, paths, logFile, {
    what: 'resolving the Kafka, Connect and Debezium jars from Maven Central failed',
    fix: 'check that Maven Central (or your mirror in ~/.m2/settings.xml) is reachable, then run `npm run stack:up` again',
  });
  fs.writeFileSync(path.join(paths.root, 'jars.stamp'), pomHash());
  return 'resolved';
}

/**
 * `mvn package` of one pom into the stack's folders, its output kept in `logFile`; a failure is a
 * StackError that says what failed and how to fix it, pointing at that log.
 */
export function mavenPackage(
  pom: string,
  paths: StackPaths,
  logFile: string,
  failure: { readonly what: string; readonly fix: string },
): void {
  try {
    const output = execFileSync(findMaven(), ['-B', '-f', pom, `-Dstack.dir=${paths.root}`, 'package'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    fs.writeFileSync(logFile, output);
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    fs.writeFileSync(logFile, `${failed.stdout ?? ''}${failed.stderr ?? ''}`);
    throw new StackError('maven', failure.what, failure.fix, logFile);
  }
}
