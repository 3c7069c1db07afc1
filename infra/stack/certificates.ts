/**
 * Certificates for the stack's secure mode, made with openssl at start (never committed: they live
 * in the stack's state folder): a CA, a server certificate for 127.0.0.1 and localhost that the
 * broker's SASL_SSL listener and the TLS-only target share, and a client certificate for mTLS.
 * P-256 keys in PKCS#8 PEM: what Node, PostgreSQL and Kafka's PEM key store all read.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HOST } from './config.js';
import { StackError } from './stack-error.js';

/** Long enough for any development stack; a CA that outlives its certificates, as CAs do. */
const CA_DAYS = 3650;
const LEAF_DAYS = 825;

const OPENSSL_CONFIG = `# Written by the stack commands (infra/stack/certificates.ts).
[req]
distinguished_name = dn
prompt = no
[dn]
CN = cdc-pipeline
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:${HOST},DNS:localhost
authorityKeyIdentifier = keyid
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
`;

/** A certificate and its private key, as PEM files. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

function openssl(args: readonly string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { stderr?: Buffer; code?: string };
    throw new StackError(
      'certificates',
      failed.code === 'ENOENT'
        ? 'openssl is not installed'
        : `openssl failed: ${String(failed.stderr ?? '')
            .trim()
            .split('\n')
            .slice(-2)
            .join(' ')}`,
      'install openssl (Debian: apt-get install openssl); delete the secure folder of the stack state to make new certificates',
    );
  }
}

/**
 * A new certificate `name` in `folder`: a self-signed CA, or a server or client certificate signed
 * by `issuer`. Its key file is readable by its owner only.
 */
export function makeCertificate(
  folder: string,
  name: string,
  profile: 'ca' | 'server' | 'client',
  subject: string,
  issuer?: CertificateFiles,
): CertificateFiles {
  fs.mkdirSync(folder, { recursive: true });
  const config = path.join(folder, 'openssl.cnf');
  fs.writeFileSync(config, OPENSSL_CONFIG);
  const files = { cert: path.join(folder, `${name}.pem`), key: path.join(folder, `${name}.key`) };
  openssl([
    'req',
    '-x509',
    '-config',
    config,
    '-extensions',
    profile,
    ...(issuer === undefined ? [] : ['-CA', issuer.cert, '-CAkey', issuer.key]),
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-noenc',
    '-keyout',
    files.key,
    '-out',
    files.cert,
    '-days',
    String(profile === 'ca' ? CA_DAYS : LEAF_DAYS),
    '-subj',
    `/CN=${subject}`,
  ]);
  fs.chmodSync(files.key, 0o600);
  return files;
}
