/**
 * Issue 17 on the real stack: the pipeline through a SASL_SSL listener (SCRAM-SHA-512 and a client
 * certificate) into a TLS-only PostgreSQL (password and client certificate), with every secret read
 * from a file; a wrong password and a wrong CA each end it with one line naming the variable; no
 * secret appears in any log line or output.
 *
 * The secure parts run as a stack of their own (secureStackUp: a broker with PLAINTEXT and SASL_SSL
 * listeners, the TLS-only target, certificates from openssl made at start) on free ports, so the
 * shared stack is left alone. The change is a real Debezium record: the first one the shared
 * stack's connector wrote for public.users, carried byte for byte onto the secure broker.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackPaths, type Ports } from '../../infra/stack/config.js';
import { makeCertificate } from '../../infra/stack/certificates.js';
import { resolveJars } from '../../infra/stack/jars.js';
import { secureStackDown, secureStackUp } from '../../infra/stack/secure-stack.js';
import { loadConfig } from '../../src/config.js';
import { kafkaSecurity } from '../../src/security/kafka.js';
import { databaseConnection, databaseSecurity } from '../../src/security/postgres.js';
import { runCli, cliEnv, shown, type CliRun } from './support/cli.js';
import { startService, stopService, type ServiceProcess } from './support/service-process.js';
import { collectMessages } from './support/stack.js';

const RUN = `${Date.now() % 1_000_000}`;
const TOPIC = 'dbserver1.public.users';
const TIMEOUT_MS = 60_000;

/** Free TCP ports on 127.0.0.1, as the system hands them out. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve) => {
          const server = net.createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Log lines that end the service: pino level 60 (fatal). */
const fatalLines = (service: ServiceProcess): string[] =>
  service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((line) => line.level === 60)
    .map((line) => line.msg);

describe('secure connections on the real stack', () => {
  // The shared stack's folder keeps the jars; the secure parts get a folder of their own inside it.
  const shared = stackPaths();
  const paths = { ...stackPaths(path.join(shared.root, 'secure-test')), lib: shared.lib };
  let env: Record<string, string>;
  let record: KafkaMessage;
  let expectedRow: { id: number; name: string; email: string };
  const services: ServiceProcess[] = [];
  const outputs: string[] = [];
  const secrets: string[] = [];

  const start = (extra: Record<string, string>, name: string): ServiceProcess => {
    const service = startService(
      {
        ...env,
        PIPELINE_GROUP_ID: `secure-${name}-${RUN}`,
        PIPELINE_METRICS_PORT: '0',
        PIPELINE_TOPIC_PATTERN: `^${TOPIC.replaceAll('.', '\\.')}$`,
        // Everything kafkajs and the pipeline say, so the secret check below reads it all.
        LOG_LEVEL: 'trace',
        ...extra,
      },
      `secure-${name}-${RUN}`,
    );
    services.push(service);
    return service;
  };
  const cli = async (tool: string, args: string[], extra: Record<string, string> = {}): Promise<CliRun> => {
    const run = await runCli(tool, args, { env: cliEnv({ ...env, ...extra }) });
    outputs.push(run.stdout, run.stderr);
    return run;
  };
  /** A client of the TLS-only target, connected as the pipeline connects. */
  const secureTarget = async <T>(work: (db: pg.Client) => Promise<T>): Promise<T> => {
    const config = loadConfig(env);
    const db = new pg.Client(
      databaseConnection(config.TARGET_DATABASE_URL, databaseSecurity(config, 'target'), 'target'),
    );
    await db.connect();
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  };

  beforeAll(async () => {
    // From nothing, as on a fresh machine: new certificates, passwords, storage and cluster.
    await secureStackDown(paths).catch(() => undefined);
    fs.rmSync(paths.root, { recursive: true, force: true });
    // The jars of the native stack (resolved already, unless the shared stack is not native).
    resolveJars(shared);
    const [kafka, kafkaController, secureKafka, secureTargetPort] = await freePorts(4);
    const ports: Ports = {
      source: 0,
      target: 0,
      kafka: kafka!,
      kafkaController: kafkaController!,
      connect: 0,
    };
    // A real Debezium change of the shared stack (read while the secure parts start), carried
    // onto the secure broker as it is.
    const [up, [first]] = await Promise.all([
      secureStackUp(paths, ports, { kafka: secureKafka!, target: secureTargetPort! }),
      collectMessages(TOPIC, (messages) => messages.length > 0, {
        filter: (message) => message.value !== null,
      }),
    ]);
    env = up;
    secrets.push(
      fs.readFileSync(env.KAFKA_SASL_PASSWORD_FILE!, 'utf8').trim(),
      fs.readFileSync(env.TARGET_DATABASE_PASSWORD_FILE!, 'utf8').trim(),
      // The body of the client key: no line of it may be printed.
      fs.readFileSync(env.KAFKA_SSL_KEY_FILE!, 'utf8').split('\n')[1]!,
    );
    record = first!;
    expectedRow = (JSON.parse(record.value!.toString()) as { payload: { after: typeof expectedRow } }).payload
      .after;
    const producer = new Kafka({
      clientId: 'secure-test',
      brokers: [env.KAFKA_BROKERS!],
      logLevel: logLevel.NOTHING,
      ...kafkaSecurity(loadConfig(env)),
    }).producer({ allowAutoTopicCreation: true });
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: [{ key: record.key, value: record.value }] });
    await producer.disconnect();
  });

  afterAll(async () => {
    for (const service of services) if (service.child.exitCode === null) service.child.kill('SIGKILL');
    await secureStackDown(paths);
  });

  it('refuses a connection without TLS to the target', async () => {
    const url = new URL(env.TARGET_DATABASE_URL!);
    const plain = new pg.Client({
      host: url.hostname,
      port: Number(url.port),
      user: url.username,
      database: 'targetdb',
      password: secrets[1],
      ssl: false,
    });
    // pg_hba.conf has only hostssl lines: "no pg_hba.conf entry … no encryption".
    await expect(plain.connect()).rejects.toMatchObject({ code: '28000' });
  });

  it('applies a change arriving over SASL_SSL to the TLS-only target, with every secret from a file', async () => {
    const service = start({}, 'apply');
    let row: typeof expectedRow | undefined;
    const deadline = Date.now() + TIMEOUT_MS;
    while (row === undefined && Date.now() < deadline && service.child.exitCode === null) {
      row = (
        await secureTarget((db) =>
          db.query<typeof expectedRow>('SELECT id, name, email FROM public.users WHERE id = $1', [
            expectedRow.id,
          ]),
        )
      ).rows[0];
      if (row === undefined) await sleep(250);
    }
    expect(row, service.output().slice(-2000)).toEqual({
      id: expectedRow.id,
      name: expectedRow.name,
      email: expectedRow.email,
    });
    expect(await stopService(service)).toBe(0);
  });

  it('serves the tools with the same settings (topics, peek, check-target, verify), with every SASL mechanism', async () => {
    const untrustedCa = makeCertificate(path.join(paths.root, 'untrusted'), 'ca', 'ca', 'untrusted CA').cert;
    const [topics, peek, target, plain, scram256, verify, unverified, refused] = await Promise.all([
      cli('topics', []),
      cli('peek', [TOPIC, '--from-beginning', '--limit', '1']),
      cli('check-target', ['--schema', 'public']),
      cli('topics', [], { KAFKA_SASL_MECHANISM: 'plain' }),
      cli('topics', [], { KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256' }),
      // verify's source over TLS too: the TLS-only database as source and target, so identical.
      cli('verify', ['--table', 'users'], {
        SOURCE_DATABASE_URL: env.TARGET_DATABASE_URL!,
        SOURCE_DATABASE_SSL_CA_FILE: env.TARGET_DATABASE_SSL_CA_FILE!,
        SOURCE_DATABASE_SSL_CERT_FILE: env.TARGET_DATABASE_SSL_CERT_FILE!,
        SOURCE_DATABASE_SSL_KEY_FILE: env.TARGET_DATABASE_SSL_KEY_FILE!,
        SOURCE_DATABASE_PASSWORD_FILE: env.TARGET_DATABASE_PASSWORD_FILE!,
      }),
      // Verification is on unless turned off: the same wrong CA, accepted only then.
      cli('topics', [], { KAFKA_SSL_CA_FILE: untrustedCa, KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }),
      cli('topics', [], { KAFKA_SSL_CA_FILE: untrustedCa }),
    ]);
    expect(unverified.code, shown(unverified)).toBe(0);
    expect(refused.code, shown(refused)).toBe(1);
    expect(refused.stderr).toMatch(
      /^✗ cannot connect to Kafka at 127\.0\.0\.1:\d+: the server's certificate could not be verified .*\n {2}fix: set KAFKA_SSL_CA_FILE to the CA certificate that signed it\n$/,
    );
    expect(verify.code, shown(verify)).toBe(0);
    expect(verify.stdout).toContain('public.users: source 1 rows, target 1 rows, identical');
    for (const other of [plain, scram256]) {
      expect(other.code, shown(other)).toBe(0);
      expect(other.stdout).toContain(TOPIC);
    }
    expect(topics.code, shown(topics)).toBe(0);
    expect(topics.stdout).toContain(TOPIC);
    expect(peek.code, shown(peek)).toBe(0);
    expect(peek.stdout).toContain(expectedRow.email);
    expect(target.code, shown(target)).toBe(0);
    expect(target.stdout).toContain(expectedRow.email);
  });

  describe.concurrent('a wrong password or CA ends the service with one line naming the variable', () => {
    const wrong = (name: string, content: string): string => {
      const file = path.join(paths.root, name);
      fs.writeFileSync(file, content, { mode: 0o600 });
      return file;
    };

    it.for([
      {
        what: 'Kafka password',
        env: () => ({ KAFKA_SASL_PASSWORD_FILE: wrong('wrong-kafka-password', `kafka-${RUN}-wrong\n`) }),
        line: /^✗ Kafka: SASL authentication failed .*fix: check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD \(or KAFKA_SASL_PASSWORD_FILE\)/,
      },
      {
        what: 'target password',
        env: () => ({
          TARGET_DATABASE_PASSWORD_FILE: wrong('wrong-target-password', `target-${RUN}-wrong\n`),
        }),
        line: /^✗ target PostgreSQL: password authentication failed for user "postgres" \(SQLSTATE 28P01\); fix: check .*TARGET_DATABASE_PASSWORD_FILE/,
      },
      {
        what: 'Kafka CA',
        env: () => ({
          KAFKA_SSL_CA_FILE: makeCertificate(path.join(paths.root, 'other'), 'ca', 'ca', 'another CA').cert,
        }),
        line: /^✗ Kafka: the server's certificate could not be verified \(\w+: .*\); fix: set KAFKA_SSL_CA_FILE to the CA certificate that signed it$/,
      },
      {
        what: 'target CA',
        env: () => ({
          TARGET_DATABASE_SSL_CA_FILE: makeCertificate(
            path.join(paths.root, 'other-pg'),
            'ca',
            'ca',
            'another CA',
          ).cert,
        }),
        line: /^✗ target PostgreSQL: the server's certificate could not be verified \(\w+: .*\); fix: set TARGET_DATABASE_SSL_CA_FILE to the CA certificate that signed it$/,
      },
    ])('$what', async ({ what, env: extra, line }, { expect }) => {
      const given = extra();
      for (const file of Object.values(given))
        if (file.includes('wrong')) secrets.push(fs.readFileSync(file, 'utf8').trim());
      const service = start(given, what.replace(' ', '-'));
      expect(await service.exited, service.output().slice(-2000)).toBe(1);
      const fatal = fatalLines(service);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatch(line);
    });
  });

  it('never shows a password or a key: not in the logs, the tools, errors or --help', async () => {
    const help = await cli('run', ['--help']);
    expect(help.code, shown(help)).toBe(0);
    expect(help.stdout).toContain('KAFKA_SASL_PASSWORD_FILE');
    const everything = [...services.map((service) => service.output()), ...outputs].join('\n');
    // The services logged at trace level: kafkajs' own lines are in there too.
    expect(everything).toContain('kafkajs');
    expect(secrets).toHaveLength(5);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});
