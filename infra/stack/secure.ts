/**
 * The stack's opt-in secure mode (issue 17): `CDC_STACK_SECURE=1 npm run stack:up` adds to the
 * broker a second listener, SASL_SSL on CDC_KAFKA_SECURE_PORT (PLAIN, SCRAM-SHA-256 and
 * SCRAM-SHA-512, a client certificate required), and starts a TLS-only target PostgreSQL on
 * CDC_SECURE_TARGET_PORT (hostssl only, a password and a client certificate). Debezium keeps the
 * PLAINTEXT listener; the pipeline and the tools use the secure ones (`stack:env` prints how).
 *
 * Certificates come from openssl, passwords from the random generator, both at the first start,
 * into the state folder's `secure/` (git ignores it). SCRAM users are made with Kafka's own tool
 * (kafka.admin.ConfigCommand, from the stack's jars) once the broker answers.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../src/config.js';
import { kafkaSecurity } from '../../src/security/kafka.js';
import { HOST, TARGET_DATABASE, TARGET_INIT_SCRIPT, DATABASE_USER, type StackPaths } from './config.js';
import { makeCertificate, type CertificateFiles } from './certificates.js';
import { handToServerUser, type ClusterSpec } from './postgres.js';
import { StackError } from './stack-error.js';

/** The secure listener's and the TLS target's ports: the standard SASL_SSL 9094 and 5434, + 10000. */
export const DEFAULT_SECURE_PORTS = { kafka: 19_094, target: 15_434 } as const;
export type SecurePorts = { readonly [K in keyof typeof DEFAULT_SECURE_PORTS]: number };
const PORT_VARIABLES = { kafka: 'CDC_KAFKA_SECURE_PORT', target: 'CDC_SECURE_TARGET_PORT' } as const;

/** The SASL user of the secure listener (PLAIN and SCRAM). */
export const KAFKA_USER = 'pipeline';
export const SECURE_TARGET_PART = 'secure-target-db';
const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
const CONFIG_COMMAND = 'kafka.admin.ConfigCommand';
const PASSWORD_BYTES = 24;

export const secureRequested = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env.CDC_STACK_SECURE === '1';

export function securePorts(env: NodeJS.ProcessEnv = process.env): SecurePorts {
  const port = (part: keyof SecurePorts): number => {
    const raw = env[PORT_VARIABLES[part]];
    if (raw === undefined || raw === '') return DEFAULT_SECURE_PORTS[part];
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 65_535)
      throw new StackError('config', `${PORT_VARIABLES[part]}=${raw} is not a TCP port`, 'use 1 to 65535');
    return value;
  };
  return { kafka: port('kafka'), target: port('target') };
}

/** What the secure mode made: certificates, Kafka's key store and the two passwords, as files. */
export interface SecureMaterial {
  readonly folder: string;
  readonly ca: CertificateFiles;
  /** The broker's and the target's certificate, for 127.0.0.1 and localhost. */
  readonly server: CertificateFiles;
  /** The pipeline's client certificate (mTLS). */
  readonly client: CertificateFiles;
  /** Kafka's PEM key store: the server key, then its certificate. */
  readonly brokerKeyStore: string;
  readonly kafkaPasswordFile: string;
  readonly targetPasswordFile: string;
}

export const secureFolder = (paths: StackPaths): string => path.join(paths.root, 'secure');

/** The certificates and passwords, made at the first start and kept (delete the folder for new ones). */
export function ensureSecureMaterial(paths: StackPaths): SecureMaterial {
  const folder = secureFolder(paths);
  const file = (name: string): string => path.join(folder, name);
  const pair = (name: string): CertificateFiles => ({ cert: file(`${name}.pem`), key: file(`${name}.key`) });
  const material: SecureMaterial = {
    folder,
    ca: pair('ca'),
    server: pair('server'),
    client: pair('client'),
    brokerKeyStore: file('broker-keystore.pem'),
    kafkaPasswordFile: file('kafka-password'),
    targetPasswordFile: file('target-password'),
  };
  if (fs.existsSync(material.targetPasswordFile)) return material;
  fs.mkdirSync(folder, { recursive: true });
  const ca = makeCertificate(folder, 'ca', 'ca', 'cdc-pipeline development stack CA');
  makeCertificate(folder, 'server', 'server', HOST, ca);
  makeCertificate(folder, 'client', 'client', 'cdc-pipeline', ca);
  fs.writeFileSync(
    material.brokerKeyStore,
    fs.readFileSync(material.server.key, 'utf8') + fs.readFileSync(material.server.cert, 'utf8'),
    { mode: 0o600 },
  );
  for (const secret of [material.kafkaPasswordFile, material.targetPasswordFile])
    fs.writeFileSync(secret, randomBytes(PASSWORD_BYTES).toString('base64url'), { mode: 0o600 });
  return material;
}

const readSecret = (file: string): string => fs.readFileSync(file, 'utf8').trim();

/** The broker's second listener: its port and the properties that make it SASL_SSL. */
export interface SecureListener {
  readonly port: number;
  readonly properties: Readonly<Record<string, string>>;
  /** For a storage formatted now: the SCRAM users go in with the format (KRaft's --add-scram). */
  readonly formatArgs: readonly string[];
}

export function secureListener(material: SecureMaterial, port: number): SecureListener {
  const prefix = 'listener.name.sasl_ssl';
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  const password = readSecret(material.kafkaPasswordFile);
  return {
    port,
    formatArgs: SCRAM_MECHANISMS.flatMap((mechanism) => [
      '--add-scram',
      `${mechanism}=[name=${KAFKA_USER},password=${password}]`,
    ]),
    properties: {
      'sasl.enabled.mechanisms': ['PLAIN', ...SCRAM_MECHANISMS].join(','),
      // PLAIN's users live in the JAAS line; SCRAM's in the cluster metadata (createScramUsers).
      [`${prefix}.plain.sasl.jaas.config`]: `org.apache.kafka.common.security.plain.PlainLoginModule required user_${KAFKA_USER}="${password}";`,
      [`${prefix}.scram-sha-256.sasl.jaas.config`]: scram,
      [`${prefix}.scram-sha-512.sasl.jaas.config`]: scram,
      [`${prefix}.ssl.keystore.type`]: 'PEM',
      [`${prefix}.ssl.keystore.location`]: material.brokerKeyStore,
      [`${prefix}.ssl.truststore.type`]: 'PEM',
      [`${prefix}.ssl.truststore.location`]: material.ca.cert,
      [`${prefix}.ssl.client.auth`]: 'required',
    },
  };
}

const execFileAsync = promisify(execFile);

/**
 * The SCRAM credentials of KAFKA_USER, set through the PLAINTEXT listener; setting them again is
 * harmless. One request per mechanism (the broker refuses two alterations of one user in a request),
 * both at once.
 */
export async function createScramUsers(
  java: string,
  paths: StackPaths,
  bootstrap: string,
  material: SecureMaterial,
): Promise<void> {
  const password = readSecret(material.kafkaPasswordFile);
  const alter = (mechanism: string) =>
    execFileAsync(java, [
      '-Xmx256m',
      '-cp',
      `${paths.lib}/*`,
      CONFIG_COMMAND,
      ...['--bootstrap-server', bootstrap, '--alter', '--add-config', `${mechanism}=[password=${password}]`],
      ...['--entity-type', 'users', '--entity-name', KAFKA_USER],
    ]);
  try {
    await Promise.all(SCRAM_MECHANISMS.map(alter));
  } catch (error) {
    // Only the tool's own output: the command line holds the password.
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new StackError(
      'kafka',
      `creating the SCRAM user failed: ${stderr.split('\n').slice(-2).join(' ')}`,
      'read the broker log below; `npm run stack:reset` starts from clean storage',
    );
  }
}

/**
 * The settings that point the pipeline and the tools at the secure listener and the TLS target,
 * each a variable of the README's table: SCRAM-SHA-512 with the client certificate, verify-full.
 */
export function secureEnv(material: SecureMaterial, ports: SecurePorts): Record<string, string> {
  return {
    KAFKA_BROKERS: `${HOST}:${ports.kafka}`,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: material.ca.cert,
    KAFKA_SSL_CERT_FILE: material.client.cert,
    KAFKA_SSL_KEY_FILE: material.client.key,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: KAFKA_USER,
    KAFKA_SASL_PASSWORD_FILE: material.kafkaPasswordFile,
    TARGET_DATABASE_URL: `postgres://${DATABASE_USER}@${HOST}:${ports.target}/${TARGET_DATABASE}?sslmode=verify-full`,
    TARGET_DATABASE_SSL_CA_FILE: material.ca.cert,
    TARGET_DATABASE_SSL_CERT_FILE: material.client.cert,
    TARGET_DATABASE_SSL_KEY_FILE: material.client.key,
    TARGET_DATABASE_PASSWORD_FILE: material.targetPasswordFile,
  };
}

/** Ready means a SCRAM-SHA-512 login over TLS with the client certificate is answered. */
export async function secureListenerAnswers(material: SecureMaterial, ports: SecurePorts): Promise<true> {
  const env = secureEnv(material, ports);
  const admin = new Kafka({
    clientId: 'cdc-stack-probe',
    brokers: [env.KAFKA_BROKERS!],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2000,
    ...kafkaSecurity(loadConfig(env)),
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } finally {
    await admin.disconnect();
  }
}

/**
 * The TLS-only target: the target's init script, a superuser password, and a pg_hba.conf that
 * takes only TLS connections with that password and a client certificate of the stack's CA.
 */
export function secureTargetCluster(paths: StackPaths, port: number, material?: SecureMaterial): ClusterSpec {
  const tls = path.join(paths.data, `${SECURE_TARGET_PART}-tls`);
  const file = (name: string): string => path.join(tls, name);
  const where = {
    name: SECURE_TARGET_PART,
    port,
    database: TARGET_DATABASE,
    initScript: TARGET_INIT_SCRIPT,
    settings: {
      ssl: 'on',
      ssl_cert_file: file('server.pem'),
      ssl_key_file: file('server.key'),
      ssl_ca_file: file('ca.pem'),
      hba_file: file('pg_hba.conf'),
    },
    dataDir: path.join(paths.data, SECURE_TARGET_PART),
    logFile: path.join(paths.logs, `${SECURE_TARGET_PART}.log`),
  };
  // Without the material: enough to find and stop the cluster.
  if (material === undefined) return where;
  return {
    ...where,
    initdbArgs: ['--pwfile', file('password')],
    prepare: () => {
      // The server reads these as its own user, and refuses a key others can read.
      // Only the folder itself is private: a recursive mkdir would make its parents so too.
      fs.mkdirSync(path.dirname(tls), { recursive: true });
      fs.mkdirSync(tls, { recursive: true, mode: 0o700 });
      fs.copyFileSync(material.server.cert, file('server.pem'));
      fs.copyFileSync(material.server.key, file('server.key'));
      fs.copyFileSync(material.ca.cert, file('ca.pem'));
      fs.copyFileSync(material.targetPasswordFile, file('password'));
      fs.writeFileSync(
        file('pg_hba.conf'),
        '# Written by the stack commands (infra/stack/secure.ts): TLS only, a password and a client certificate.\n' +
          `hostssl all all ${HOST}/32 scram-sha-256 clientcert=verify-ca\n`,
      );
      for (const name of ['server.key', 'password']) fs.chmodSync(file(name), 0o600);
      handToServerUser(tls);
    },
    client: {
      password: readSecret(material.targetPasswordFile),
      ssl: {
        ca: fs.readFileSync(material.ca.cert, 'utf8'),
        cert: fs.readFileSync(material.client.cert, 'utf8'),
        key: fs.readFileSync(material.client.key, 'utf8'),
      },
    },
  };
}
