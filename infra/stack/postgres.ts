/**
 * Throw-away PostgreSQL clusters made with the installed server binaries: source (wal_level=logical,
 * for Debezium's replication slot) and target. The server refuses to run as root, so when we are
 * root every server command runs as the `postgres` user, in a data folder that user owns.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { HOST, DATABASE_USER } from './config.js';
import { StackError } from './stack-error.js';

export interface ClusterSpec {
  /** Part name shown to users: 'source-db' or 'target-db'. */
  readonly name: string;
  readonly port: number;
  readonly database: string;
  readonly initScript: string;
  /** Extra server settings (`-c name=value`). */
  readonly settings: Readonly<Record<string, string>>;
  readonly dataDir: string;
  readonly logFile: string;
  /** More initdb arguments (the secure target's `--pwfile`). */
  readonly initdbArgs?: readonly string[];
  /** Run before each start, before initdb too (the secure target writes its TLS files). */
  readonly prepare?: () => void;
  /** How the stack's own clients connect beyond host, port and user (TLS, a password). */
  readonly client?: Readonly<pg.ClientConfig>;
}

const SERVER_USER = 'postgres';
const START_TIMEOUT_S = 60;
const isRoot = process.getuid?.() === 0;

function asServerUser(binDir: string, program: string, args: string[]): [string, string[]] {
  const command = path.join(binDir, program);
  return isRoot ? ['runuser', ['-u', SERVER_USER, '--', command, ...args]] : [command, args];
}

function runServerCommand(binDir: string, program: string, args: string[], spec: ClusterSpec): string {
  const [command, argv] = asServerUser(binDir, program, args);
  try {
    return execFileSync(command, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { stderr?: string; stdout?: string; message: string };
    const output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`.trim() || failed.message;
    throw new StackError(
      spec.name,
      `${program} failed: ${output.split('\n').slice(-3).join(' ')}`,
      isRoot
        ? `check that the user '${SERVER_USER}' can reach ${spec.dataDir} (every parent folder needs o+x), or run \`npm run stack:reset\``
        : `check ${spec.logFile}; \`npm run stack:reset\` starts from a clean data folder`,
      spec.logFile,
    );
  }
}

/** Files the server writes must belong to the server user when we are root. */
export function handToServerUser(target: string): void {
  if (isRoot) execFileSync('chown', ['-R', `${SERVER_USER}:${SERVER_USER}`, target]);
}

function initialise(binDir: string, spec: ClusterSpec): void {
  if (fs.existsSync(path.join(spec.dataDir, 'PG_VERSION'))) return;
  // Only the data folder itself is private (the server insists); its parents stay traversable.
  fs.mkdirSync(path.dirname(spec.dataDir), { recursive: true });
  fs.mkdirSync(spec.dataDir, { mode: 0o700 });
  handToServerUser(spec.dataDir);
  runServerCommand(
    binDir,
    'initdb',
    [
      '-D',
      spec.dataDir,
      '-U',
      DATABASE_USER,
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-locale',
      ...(spec.initdbArgs ?? []),
    ],
    spec,
  );
}

export function postmasterPid(spec: ClusterSpec): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(spec.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Starts the cluster unless it runs; pg_ctl -w returns once the server accepts connections. */
export function startCluster(binDir: string, spec: ClusterSpec): number {
  spec.prepare?.();
  initialise(binDir, spec);
  const running = postmasterPid(spec);
  if (running !== undefined) return running;
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  fs.closeSync(fs.openSync(spec.logFile, 'a'));
  handToServerUser(spec.logFile);
  // No unix socket: only TCP on 127.0.0.1, so nothing of ours lands in the machine's socket folder.
  const settings = {
    listen_addresses: HOST,
    port: String(spec.port),
    unix_socket_directories: "''",
    ...spec.settings,
  };
  const options = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  runServerCommand(
    binDir,
    'pg_ctl',
    ['start', '-w', '-t', String(START_TIMEOUT_S), '-D', spec.dataDir, '-l', spec.logFile, '-o', options],
    spec,
  );
  const pid = postmasterPid(spec);
  if (pid === undefined) {
    throw new StackError(
      spec.name,
      'pg_ctl reported a start but no server runs',
      `read ${spec.logFile}`,
      spec.logFile,
    );
  }
  return pid;
}

export function stopCluster(binDir: string, spec: ClusterSpec): 'stopped' | 'not running' {
  if (postmasterPid(spec) === undefined) return 'not running';
  // Fast shutdown: roll back open transactions, checkpoint, exit; no recovery at the next start.
  runServerCommand(binDir, 'pg_ctl', ['stop', '-w', '-m', 'fast', '-D', spec.dataDir], spec);
  return 'stopped';
}

/** Creates the database and runs its init script once, as the official Docker image does on first start. */
export async function ensureDatabase(spec: ClusterSpec): Promise<'created' | 'exists'> {
  const connection = { host: HOST, port: spec.port, user: DATABASE_USER, ...spec.client };
  const admin = new pg.Client({ ...connection, database: 'postgres' });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [spec.database]);
    if (found.rowCount) return 'exists';
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(spec.database)}`);
  } finally {
    await admin.end();
  }
  const client = new pg.Client({ ...connection, database: spec.database });
  await client.connect();
  try {
    await client.query(fs.readFileSync(spec.initScript, 'utf8'));
  } catch (error) {
    throw new StackError(
      spec.name,
      `${path.basename(spec.initScript)} failed: ${(error as Error).message}`,
      `fix the script, then \`npm run stack:reset && npm run stack:up\``,
    );
  } finally {
    await client.end();
  }
  return 'created';
}
