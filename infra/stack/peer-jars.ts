/**
 * The benchmark's peer, the Debezium JDBC sink, resolved by Maven into its own plugin.path
 * sub-folder, only for a stack started with CDC_CONNECT_SINK_PEER=1 (`npm run bench` does so on its
 * own stack). The stamp sits inside that folder, so the stack's own resolution, which empties the
 * plugins folder when its poms change, also forgets it.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MAVEN_POM, type StackPaths } from './config.js';
import { mavenPackage } from './jars.js';

export const PEER_POM = path.join(path.dirname(MAVEN_POM), 'debezium-jdbc', 'pom.xml');
export const PEER_PLUGIN_FOLDER = 'debezium-connector-jdbc';
export const PEER_CONNECTOR_CLASS = 'io.debezium.connector.jdbc.JdbcSinkConnector';
const STAMP = '.resolved';

/** The opt-in: the worker loads the peer and lets connectors override their consumer's settings. */
export function peerRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CDC_CONNECT_SINK_PEER === '1';
}

const pomHash = (): string =>
  createHash('sha256').update(fs.readFileSync(MAVEN_POM)).update(fs.readFileSync(PEER_POM)).digest('hex');

export function resolvePeerJars(paths: StackPaths): 'resolved' | 'up to date' {
  const folder = path.join(paths.plugins, PEER_PLUGIN_FOLDER);
  const stamp = path.join(folder, STAMP);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === pomHash()) return 'up to date';
  const logFile = path.join(paths.logs, 'maven-peer.log');
  fs.mkdirSync(paths.logs, { recursive: true });
  fs.rmSync(folder, { recursive: true, force: true });
  mavenPackage(PEER_POM, paths, logFile, {
    what: 'resolving the Debezium JDBC sink (the benchmark peer) failed',
    fix: 'read the log below; the versions that resolve are noted in infra/maven/debezium-jdbc/pom.xml',
  });
  fs.writeFileSync(stamp, pomHash());
  return 'resolved';
}
