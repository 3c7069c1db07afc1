/**
 * The one line a refused login or an unverifiable certificate ends a command with: what failed, on
 * which part, and the variable that fixes it. Found by codes and error names along the cause chain,
 * never by message text (src/errors.ts decides the same way that these failures are fatal).
 */
import { causeChain } from '../cause-chain.js';
import { CERTIFICATE_VERIFY_CODES, HANDSHAKE_REFUSED_CODES, HOST_MISMATCH_CODES } from './tls-errors.js';

/** Which connection failed: Kafka, or one of the two databases. */
export type SecuredPart = 'broker' | 'target' | 'source';

const PART_LABELS: Readonly<Record<SecuredPart, string>> = {
  broker: 'Kafka',
  target: 'target PostgreSQL',
  source: 'source PostgreSQL',
};

/** The variables that fix each kind of failure, per part. */
const FIXES: Readonly<Record<SecuredPart, { ca: string; client: string; login: string }>> = {
  broker: {
    ca: 'KAFKA_SSL_CA_FILE',
    client: 'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE',
    login: 'KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) and KAFKA_SASL_MECHANISM',
  },
  target: {
    ca: 'TARGET_DATABASE_SSL_CA_FILE',
    client: 'TARGET_DATABASE_SSL_CERT_FILE and TARGET_DATABASE_SSL_KEY_FILE',
    login: 'the user and password of TARGET_DATABASE_URL (or TARGET_DATABASE_PASSWORD_FILE)',
  },
  source: {
    ca: 'SOURCE_DATABASE_SSL_CA_FILE',
    client: 'SOURCE_DATABASE_SSL_CERT_FILE and SOURCE_DATABASE_SSL_KEY_FILE',
    login: 'the user and password of SOURCE_DATABASE_URL (or SOURCE_DATABASE_PASSWORD_FILE)',
  },
};

/** SQLSTATE class 28, invalid authorization: a wrong password, or pg_hba.conf refusing the connection. */
const INVALID_PASSWORD = '28P01';
const INVALID_AUTHORIZATION = '28000';

const codeOf = (link: object): string | undefined =>
  'code' in link && typeof link.code === 'string' ? link.code : undefined;
const messageOf = (link: object): string => (link instanceof Error ? link.message : '');

/** What went wrong and the setting that fixes it. */
export interface SecurityFailure {
  readonly reason: string;
  readonly fix: string;
}

/**
 * What failed when `part` refused a login or a certificate, or undefined when `error` is something
 * else (an outage, a bad statement): the caller then says what it says of any failure.
 */
export function securityFailure(part: SecuredPart, error: unknown): SecurityFailure | undefined {
  const fix = FIXES[part];
  for (const link of causeChain(error)) {
    const code = codeOf(link);
    const message = messageOf(link);
    if (code !== undefined && CERTIFICATE_VERIFY_CODES.has(code)) {
      return {
        reason: `the server's certificate could not be verified (${code}: ${message})`,
        fix: `set ${fix.ca} to the CA certificate that signed it`,
      };
    }
    if (code !== undefined && HOST_MISMATCH_CODES.has(code)) {
      return {
        reason: `the server's certificate is for another host (${message})`,
        fix: 'connect by a host name the certificate holds',
      };
    }
    if (code !== undefined && HANDSHAKE_REFUSED_CODES.has(code)) {
      return {
        reason: `the TLS handshake was refused (${code})`,
        fix: `check that the port speaks TLS, and set ${fix.client} when the server asks for a client certificate`,
      };
    }
    if ('name' in link && link.name === 'KafkaJSSASLAuthenticationError') {
      return { reason: `SASL authentication failed (${message})`, fix: `check ${fix.login}` };
    }
    if (code === INVALID_PASSWORD)
      return { reason: `${message} (SQLSTATE ${code})`, fix: `check ${fix.login}` };
    if (code === INVALID_AUTHORIZATION) {
      return {
        reason: `${message} (SQLSTATE ${code})`,
        fix: `the server's pg_hba.conf refuses this connection: it may want TLS (sslmode in the URL) or a client certificate (${fix.client})`,
      };
    }
  }
  return undefined;
}

/** The one line for such a failure: `Kafka: <reason>; fix: <fix>`, or undefined for any other error. */
export function securityFailureLine(part: SecuredPart, error: unknown): string | undefined {
  const failure = securityFailure(part, error);
  return failure && `${PART_LABELS[part]}: ${failure.reason}; fix: ${failure.fix}`;
}
