/**
 * A refused login or an unverifiable certificate ends the service with one line naming the
 * variable that fixes it, instead of being retried as an outage; secrets never show in the line.
 */
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isFatal, PartError } from '../src/errors.js';
import { securityFailureLine } from '../src/security/explain.js';
import { redactUrl } from '../src/security/redact.js';

// kafkajs is CommonJS: its error classes are reached through the default export.
const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } = kafkajs;
// Its typings declare no constructor arguments for this one; the class takes a message.
const KafkaJSSASLAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (
  message: string,
) => Error;

/** What kafkajs throws after its retries when every TLS handshake failed on a certificate. */
const kafkaTlsFailure = (code: string): Error =>
  new KafkaJSNumberOfRetriesExceeded(
    new KafkaJSConnectionError(`Connection error: ${code.toLowerCase()}`, { broker: '127.0.0.1:9094', code }),
    { retryCount: 5, retryTime: 300 },
  );
/** What node-postgres throws for a refused password: the server's SQLSTATE in `code`. */
const pgError = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe('security failures', () => {
  it('are fatal: a certificate that does not verify, a refused handshake, a refused login', () => {
    expect(isFatal(kafkaTlsFailure('SELF_SIGNED_CERT_IN_CHAIN'))).toBe(true);
    expect(isFatal(kafkaTlsFailure('UNABLE_TO_VERIFY_LEAF_SIGNATURE'))).toBe(true);
    expect(isFatal(kafkaTlsFailure('ERR_TLS_CERT_ALTNAME_INVALID'))).toBe(true);
    expect(isFatal(kafkaTlsFailure('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'))).toBe(true);
    expect(isFatal(new KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed'))).toBe(true);
    expect(isFatal(PartError.wrap('target', pgError('28P01', 'password authentication failed')))).toBe(true);
    // A broker that is away is weather, TLS or not.
    expect(isFatal(kafkaTlsFailure('ECONNREFUSED'))).toBe(false);
  });

  it('name the variable that fixes them, in one line', () => {
    expect(
      securityFailureLine('broker', PartError.wrap('broker', kafkaTlsFailure('SELF_SIGNED_CERT_IN_CHAIN'))),
    ).toBe(
      "Kafka: the server's certificate could not be verified (SELF_SIGNED_CERT_IN_CHAIN: Connection error: self_signed_cert_in_chain); fix: set KAFKA_SSL_CA_FILE to the CA certificate that signed it",
    );
    expect(
      securityFailureLine(
        'broker',
        new KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed: invalid credentials'),
      ),
    ).toBe(
      'Kafka: SASL authentication failed (SASL SCRAM SHA512 authentication failed: invalid credentials); fix: check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) and KAFKA_SASL_MECHANISM',
    );
    expect(
      securityFailureLine('target', pgError('28P01', 'password authentication failed for user "app"')),
    ).toBe(
      'target PostgreSQL: password authentication failed for user "app" (SQLSTATE 28P01); fix: check the user and password of TARGET_DATABASE_URL (or TARGET_DATABASE_PASSWORD_FILE)',
    );
    expect(securityFailureLine('source', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).toContain(
      'fix: set SOURCE_DATABASE_SSL_CA_FILE',
    );
    expect(securityFailureLine('broker', kafkaTlsFailure('ECONNREFUSED'))).toBeUndefined();
  });
});

describe('redactUrl', () => {
  it.each([
    [
      'postgres://app:hunter2@db:5432/x?sslmode=verify-full',
      'postgres://app:***@db:5432/x?sslmode=verify-full',
    ],
    ['postgres://app@db/x', 'postgres://app@db/x'],
    ['postgres://db/x?user=app&password=hunter2', 'postgres://db/x?user=app&password=***'],
    ['postgres://app:p%40ss%3Aword@db/x', 'postgres://app:***@db/x'],
    ['app:hunter2@ db', '***@ db'],
    // A colon in the password: the old pattern showed what came before it.
    ['postgres://app:pa:ss@db/x', 'postgres://app:***@db/x'],
  ])('shows %s as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});
