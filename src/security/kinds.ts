/**
 * The kinds of value the security variables take, beside those of src/config-values.ts: a file
 * that must exist and be readable at start (a mounted secret, a CA bundle), a secret that is never
 * shown, and a SASL mechanism.
 */
import fs from 'node:fs';
import type { variable } from '../config-values.js';
import { redactSecret, REDACTED } from './redact.js';

type Kind<T> = Parameters<typeof variable<T>>[0];

/** A readable regular file; checked at start, so a missing mount fails before anything connects. */
export const readableFile: Kind<string> = {
  accepts: 'the path of a readable file',
  parse: (raw) => {
    let stat: fs.Stats;
    try {
      fs.accessSync(raw, fs.constants.R_OK);
      stat = fs.statSync(raw);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'unknown error'})`);
    }
    if (!stat.isFile()) throw new Error('not a regular file');
    return raw;
  },
};

/** Any text, shown only as `***` (in --help, the README and error lines). */
export const secret: Kind<string> = {
  accepts: 'any text (never shown)',
  parse: (raw) => raw,
  // Unset shows as the docs show any unset default; set, only that it is.
  show: (value) => (value === '' ? '' : redactSecret(value)),
  redact: () => REDACTED,
};

/** The SASL mechanisms kafkajs speaks without a plug-in, in kafkajs' spelling. */
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** Mechanisms people ask for that need more than a password (see the README's Secure connections). */
const UNSUPPORTED_MECHANISMS: Readonly<Record<string, string>> = {
  oauthbearer: 'OAUTHBEARER is not supported (it needs a token provider)',
  'aws-msk-iam': 'AWS IAM is not supported (it needs request signing)',
  aws: 'AWS IAM is not supported (it needs request signing)',
  gssapi: 'Kerberos (GSSAPI) is not supported',
};

/** `none` or a mechanism, in Kafka's spelling (SCRAM-SHA-512) or kafkajs' (scram-sha-512). */
export const saslMechanism: Kind<SaslMechanism | 'none'> = {
  accepts: `none, ${SASL_MECHANISMS.join(', ')} (any case)`,
  parse: (raw) => {
    const name = raw.trim().toLowerCase();
    if (name === 'none' || (SASL_MECHANISMS as readonly string[]).includes(name))
      return name as SaslMechanism | 'none';
    throw new Error(UNSUPPORTED_MECHANISMS[name] ?? 'not a known mechanism');
  },
};
