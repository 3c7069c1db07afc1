/**
 * node-postgres connection settings from a database URL and the security variables: the one place
 * the target's pool, the tools' clients and verify's source client get TLS and passwords from.
 *
 * `sslmode` in the URL means what it means to libpq (https://www.postgresql.org/docs/current/libpq-ssl.html),
 * which is not what node-postgres makes of it (it takes require and verify-ca as verify-full), so
 * the URL's ssl parameters are read here and handed to node-postgres as explicit TLS options:
 *   disable      no TLS
 *   require      TLS, the certificate not checked (checked against the CA like verify-ca when a CA file is set)
 *   verify-ca    TLS, the chain checked against the CA file (required), the host name not
 *   verify-full  TLS, the chain and the host name checked (against Node's public CAs without a CA file)
 * allow and prefer fall back to plain text when the server has no TLS; node-postgres cannot, so they
 * are refused rather than quietly made stricter or weaker. No sslmode: node-postgres decides, as before
 * (PGSSLMODE).
 */
import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { ConfigError } from '../errors.js';
import { readSecret } from './secrets.js';
import type { SecurityConfig } from './variables.js';

export type DatabaseRole = 'target' | 'source';

/** The files that secure one database's connection. */
export interface DatabaseSecurity {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly passwordFile: string;
}

/** The variable names of one database: TARGET_DATABASE_… or SOURCE_DATABASE_…. */
export function databaseVariableNames(role: DatabaseRole) {
  const prefix = role === 'target' ? 'TARGET_DATABASE' : 'SOURCE_DATABASE';
  return {
    url: `${prefix}_URL`,
    caFile: `${prefix}_SSL_CA_FILE`,
    certFile: `${prefix}_SSL_CERT_FILE`,
    keyFile: `${prefix}_SSL_KEY_FILE`,
    passwordFile: `${prefix}_PASSWORD_FILE`,
  } as const;
}

/** The security settings of one database, out of the configuration. */
export function databaseSecurity(config: SecurityConfig, role: DatabaseRole): DatabaseSecurity {
  const names = databaseVariableNames(role);
  return {
    caFile: config[names.caFile],
    certFile: config[names.certFile],
    keyFile: config[names.keyFile],
    passwordFile: config[names.passwordFile],
  };
}

const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
type SslMode = (typeof SSL_MODES)[number];

/** URL parameters whose file is a variable here: one place for each setting. */
const FILE_PARAMETERS: Readonly<Record<string, keyof DatabaseSecurity>> = {
  sslrootcert: 'caFile',
  sslcert: 'certFile',
  sslkey: 'keyFile',
};

interface Checked {
  readonly problems: string[];
  readonly mode: SslMode | undefined;
  /** The URL without the parameters read here, which node-postgres would otherwise read its own way. */
  readonly url: URL | undefined;
}

function check(rawUrl: string, security: DatabaseSecurity, role: DatabaseRole): Checked {
  const names = databaseVariableNames(role);
  const problems: string[] = [];
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    // The URL variable's own check says what is wrong with it.
    return { problems, mode: undefined, url: undefined };
  }
  const given = url.searchParams.get('sslmode');
  let mode: SslMode | undefined;
  if (given !== null) {
    if ((SSL_MODES as readonly string[]).includes(given)) mode = given as SslMode;
    else if (given === 'allow' || given === 'prefer')
      problems.push(
        `${names.url} has sslmode=${given}, which falls back to plain text; node-postgres cannot: use sslmode=require (or verify-full), or sslmode=disable`,
      );
    else problems.push(`${names.url} has sslmode=${given}: use one of ${SSL_MODES.join(', ')}`);
  }
  for (const [parameter, field] of Object.entries(FILE_PARAMETERS)) {
    if (url.searchParams.has(parameter))
      problems.push(`${names.url} has ${parameter}=…: set ${names[field]} to that file instead`);
  }
  const tlsFiles = (['caFile', 'certFile', 'keyFile'] as const).filter((field) => security[field] !== '');
  if (given === null && tlsFiles.length > 0) {
    problems.push(
      `${names[tlsFiles[0]!]} is set but ${names.url} has no sslmode: add ?sslmode=verify-full (or require, verify-ca)`,
    );
  }
  if (mode === 'disable' && tlsFiles.length > 0) {
    problems.push(`${names[tlsFiles[0]!]} is set but ${names.url} has sslmode=disable: remove one`);
  }
  if (mode === 'verify-ca' && security.caFile === '') {
    problems.push(`${names.url} has sslmode=verify-ca, which needs the CA: set ${names.caFile}`);
  }
  if ((security.certFile === '') !== (security.keyFile === '')) {
    problems.push(
      `${names.certFile} and ${names.keyFile} go together: set both for a client certificate, or neither`,
    );
  }
  for (const parameter of ['sslmode', ...Object.keys(FILE_PARAMETERS), 'uselibpqcompat'])
    url.searchParams.delete(parameter);
  return { problems, mode, url };
}

/** What is wrong with one database's URL and security settings, a line each. */
export function databaseSecurityProblems(
  url: string,
  security: DatabaseSecurity,
  role: DatabaseRole,
): string[] {
  return check(url, security, role).problems;
}

function tlsOptions(mode: SslMode, security: DatabaseSecurity): ConnectionOptions | false {
  if (mode === 'disable') return false;
  const read = (file: string): string | undefined =>
    file === '' ? undefined : fs.readFileSync(file, 'utf8');
  const ca = read(security.caFile);
  const client =
    security.certFile === '' ? {} : { cert: read(security.certFile), key: read(security.keyFile) };
  // libpq: require with a CA file checks the chain as verify-ca does.
  const verifyChain = mode !== 'require' || ca !== undefined;
  return {
    ...client,
    ...(ca === undefined ? {} : { ca }),
    rejectUnauthorized: verifyChain,
    // verify-ca checks the chain only: any host name the CA signed is accepted.
    ...(mode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
  };
}

/**
 * node-postgres settings for `url`: the URL without its ssl parameters, TLS options from sslmode and
 * the files, and the password from its file when one is set. Throws a ConfigError, a line per
 * problem, for settings that do not go together.
 */
export function databaseConnection(
  url: string,
  security: DatabaseSecurity,
  role: DatabaseRole,
): pg.ClientConfig & { readonly connectionString: string } {
  const checked = check(url, security, role);
  if (checked.problems.length > 0) throw new ConfigError(checked.problems.join('\n'));
  if (checked.url === undefined) return { connectionString: url };
  const password = readSecret('', security.passwordFile);
  // node-postgres lets a connection string's (even empty) password win over a `password` field.
  if (password !== '') checked.url.password = encodeURIComponent(password);
  const connectionString = checked.url.toString();
  return checked.mode === undefined
    ? { connectionString }
    : { connectionString, ssl: tlsOptions(checked.mode, security) };
}

/** No files: TLS only as the URL's sslmode asks, the password only from the URL. */
export const NO_DATABASE_SECURITY: DatabaseSecurity = {
  caFile: '',
  certFile: '',
  keyFile: '',
  passwordFile: '',
};
