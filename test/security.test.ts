/**
 * Secure connections as configured (issue 17): the kafkajs `ssl`/`sasl` options and the
 * node-postgres TLS options that the variables give, secrets from files, and every refusal as one
 * line naming the variable and the fix.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configHelp } from '../src/config-docs.js';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { kafkaSecurity } from '../src/security/kafka.js';
import { databaseConnection, databaseSecurity, NO_DATABASE_SECURITY } from '../src/security/postgres.js';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cdc-security-'));
afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

/** A file in the test's folder with `content`; its path. */
function file(name: string, content: string): string {
  const where = path.join(folder, name);
  fs.writeFileSync(where, content);
  return where;
}

const CA = file('ca.pem', '-----BEGIN CERTIFICATE-----\nthe CA\n-----END CERTIFICATE-----\n');
const CERT = file('client.pem', '-----BEGIN CERTIFICATE-----\nthe client\n-----END CERTIFICATE-----\n');
const KEY = file('client.key', '-----BEGIN PRIVATE KEY-----\nthe key\n-----END PRIVATE KEY-----\n');
/** As `echo s3cr3t > file` writes it: with a newline, which is not part of the secret. */
const PASSWORD_FILE = file('password', 's3cr3t-from-file\n');

/** The lines of the ConfigError loadConfig throws for `env`, or the test fails. */
function refusal(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message.split('\n');
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('Kafka TLS and SASL', () => {
  it('leaves both off by default: a plaintext broker without authentication, as before', () => {
    expect(kafkaSecurity(loadConfig({}))).toEqual({});
  });

  it('turns TLS on with verification by default, with the CA, the client certificate and key read from their files', () => {
    const security = kafkaSecurity(
      loadConfig({
        KAFKA_SSL: 'true',
        KAFKA_SSL_CA_FILE: CA,
        KAFKA_SSL_CERT_FILE: CERT,
        KAFKA_SSL_KEY_FILE: KEY,
      }),
    );
    expect(security).toEqual({
      ssl: {
        rejectUnauthorized: true,
        ca: fs.readFileSync(CA, 'utf8'),
        cert: fs.readFileSync(CERT, 'utf8'),
        key: fs.readFileSync(KEY, 'utf8'),
      },
    });
  });

  it('trusts the public CAs Node ships when no CA file is given (a managed service), and can stop verifying when told', () => {
    expect(kafkaSecurity(loadConfig({ KAFKA_SSL: 'true' }))).toEqual({ ssl: { rejectUnauthorized: true } });
    const unverified = kafkaSecurity(
      loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }),
    );
    expect(unverified.ssl).toEqual({ rejectUnauthorized: false });
  });

  it.each([
    ['SCRAM-SHA-512', 'scram-sha-512'],
    ['scram-sha-256', 'scram-sha-256'],
    ['PLAIN', 'plain'],
  ])(
    'takes SASL %s in Kafka or kafkajs spelling, with the password from the environment',
    (given, mechanism) => {
      const { sasl } = kafkaSecurity(
        loadConfig({
          KAFKA_SASL_MECHANISM: given,
          KAFKA_SASL_USERNAME: 'pipeline',
          KAFKA_SASL_PASSWORD: 'pw',
        }),
      );
      expect(sasl).toEqual({ mechanism, username: 'pipeline', password: 'pw' });
    },
  );

  it('reads the SASL password and the key passphrase from files, without the trailing newline', () => {
    const security = kafkaSecurity(
      loadConfig({
        KAFKA_SSL: 'true',
        KAFKA_SSL_CERT_FILE: CERT,
        KAFKA_SSL_KEY_FILE: KEY,
        KAFKA_SSL_KEY_PASSWORD_FILE: PASSWORD_FILE,
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'pipeline',
        KAFKA_SASL_PASSWORD_FILE: PASSWORD_FILE,
      }),
    );
    expect(security.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'pipeline',
      password: 's3cr3t-from-file',
    });
    expect(security.ssl).toMatchObject({ passphrase: 's3cr3t-from-file' });
  });

  it('refuses settings that do not go together, one line each naming the fix', () => {
    expect(
      refusal({
        KAFKA_SSL_CA_FILE: CA,
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_PASSWORD: 'pw',
        KAFKA_SASL_PASSWORD_FILE: PASSWORD_FILE,
      }),
    ).toEqual([
      'KAFKA_SSL_CA_FILE is set but KAFKA_SSL is false: set KAFKA_SSL=true',
      'KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set: keep one',
      'KAFKA_SASL_MECHANISM=scram-sha-256 needs KAFKA_SASL_USERNAME: set it',
    ]);
    expect(refusal({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' })).toEqual([
      'KAFKA_SASL_MECHANISM=plain needs a password: set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE',
    ]);
    expect(refusal({ KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'pw' })).toEqual([
      'KAFKA_SASL_USERNAME or a SASL password is set but KAFKA_SASL_MECHANISM is none: set it to plain, scram-sha-256 or scram-sha-512',
    ]);
    expect(refusal({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: CERT })).toEqual([
      'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: set both for a client certificate, or neither',
    ]);
  });

  it('refuses a missing file and an unsupported mechanism at start, naming the variable', () => {
    const missing = path.join(folder, 'not-mounted.pem');
    expect(refusal({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: missing })).toEqual([
      `KAFKA_SSL_CA_FILE=${missing}: no such file; accepted: the path of a readable file`,
    ]);
    expect(refusal({ KAFKA_SASL_PASSWORD_FILE: folder })).toEqual([
      `KAFKA_SASL_PASSWORD_FILE=${folder}: not a regular file; accepted: the path of a readable file`,
    ]);
    expect(refusal({ KAFKA_SASL_MECHANISM: 'OAUTHBEARER' })).toEqual([
      'KAFKA_SASL_MECHANISM=OAUTHBEARER: OAUTHBEARER is not supported (it needs a token provider); accepted: none, plain, scram-sha-256, scram-sha-512 (any case)',
    ]);
    expect(refusal({ KAFKA_SASL_MECHANISM: 'AWS_MSK_IAM' })[0]).toContain('not a known mechanism');
  });
});

describe('PostgreSQL TLS, as libpq reads sslmode', () => {
  const URL_BASE = 'postgres://app:in-url@db.example:5432/targetdb';
  const connect = (query: string, security = NO_DATABASE_SECURITY) =>
    databaseConnection(`${URL_BASE}${query}`, security, 'target');
  const withFiles = { ...NO_DATABASE_SECURITY, caFile: CA, certFile: CERT, keyFile: KEY };

  it('leaves a URL without sslmode to node-postgres, as before', () => {
    expect(connect('')).toEqual({ connectionString: URL_BASE });
  });

  it('disable: no TLS; require: TLS without checking the certificate', () => {
    expect(connect('?sslmode=disable')).toEqual({ connectionString: URL_BASE, ssl: false });
    const required = connect('?sslmode=require&application_name=cdc');
    expect(required.connectionString).toBe(`${URL_BASE}?application_name=cdc`);
    expect(required.ssl).toMatchObject({ rejectUnauthorized: false });
  });

  it('verify-ca: the chain against the CA file, any host name; verify-full: the host name too', () => {
    const ca = connect('?sslmode=verify-ca', withFiles).ssl as Record<string, unknown>;
    expect(ca).toMatchObject({ rejectUnauthorized: true, ca: fs.readFileSync(CA, 'utf8') });
    expect(ca.cert).toBe(fs.readFileSync(CERT, 'utf8'));
    expect(ca.key).toBe(fs.readFileSync(KEY, 'utf8'));
    expect((ca.checkServerIdentity as () => unknown)()).toBeUndefined();
    const full = connect('?sslmode=verify-full', withFiles).ssl as Record<string, unknown>;
    expect(full).toMatchObject({ rejectUnauthorized: true, ca: fs.readFileSync(CA, 'utf8') });
    expect(full).not.toHaveProperty('checkServerIdentity');
    // require with a CA checks the chain, as libpq does.
    expect(connect('?sslmode=require', withFiles).ssl).toMatchObject({ rejectUnauthorized: true });
  });

  it('takes the password from its file over the one in the URL', () => {
    const { connectionString } = connect('?sslmode=verify-full', {
      ...withFiles,
      passwordFile: PASSWORD_FILE,
    });
    expect(new URL(connectionString).password).toBe('s3cr3t-from-file');
  });

  it('refuses what it cannot do as asked, one line each naming the fix', () => {
    const refused = (query: string, security = NO_DATABASE_SECURITY): string[] => {
      try {
        connect(query, security);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message.split('\n');
      }
      throw new Error(`accepted ${query}`);
    };
    expect(refused('?sslmode=prefer')).toEqual([
      'TARGET_DATABASE_URL has sslmode=prefer, which falls back to plain text; node-postgres cannot: use sslmode=require (or verify-full), or sslmode=disable',
    ]);
    expect(refused('?sslmode=verify-ca')).toEqual([
      'TARGET_DATABASE_URL has sslmode=verify-ca, which needs the CA: set TARGET_DATABASE_SSL_CA_FILE',
    ]);
    expect(refused('', withFiles)).toEqual([
      'TARGET_DATABASE_SSL_CA_FILE is set but TARGET_DATABASE_URL has no sslmode: add ?sslmode=verify-full (or require, verify-ca)',
    ]);
    expect(refused('?sslmode=verify-full&sslrootcert=/ca.pem')).toEqual([
      'TARGET_DATABASE_URL has sslrootcert=…: set TARGET_DATABASE_SSL_CA_FILE to that file instead',
    ]);
  });

  it('checks the target at start, and the source only when a tool reads it', () => {
    expect(refusal({ TARGET_DATABASE_URL: `${URL_BASE}?sslmode=bogus` })).toEqual([
      'TARGET_DATABASE_URL has sslmode=bogus: use one of disable, require, verify-ca, verify-full',
    ]);
    const config = loadConfig({ SOURCE_DATABASE_SSL_CA_FILE: CA });
    expect(() =>
      databaseConnection('postgres://u@src/db', databaseSecurity(config, 'source'), 'source'),
    ).toThrow('SOURCE_DATABASE_SSL_CA_FILE is set but SOURCE_DATABASE_URL has no sslmode');
  });
});

describe('secrets stay out of --help and error lines', () => {
  it('shows no password in --help, not even the native stack default', () => {
    const help = configHelp();
    expect(help).not.toContain('postgres:postgres@');
    expect(help).toContain('postgres://postgres:***@127.0.0.1:15433/targetdb');
    expect(help).toMatch(
      /^ +KAFKA_SASL_PASSWORD +SASL password.*\n +accepts: any text \(never shown\); default: $/m,
    );
  });

  it('never quotes a password of a refused URL', () => {
    const lines = refusal({ TARGET_DATABASE_URL: 'mysql://app:hunter2@db/x' });
    expect(lines).toEqual([
      'TARGET_DATABASE_URL=mysql://app:***@db/x: not a postgres: or postgresql: URL; accepted: a URL (postgres://… or postgresql://…)',
    ]);
    expect(refusal({ TARGET_DATABASE_URL: 'app:hunter2@ db' }).join('\n')).not.toContain('hunter2');
  });
});
