/**
 * The variables of secure connections, spread into CONFIG_SPEC (src/config.ts): TLS and SASL to
 * Kafka, TLS and a password file for the target (and the source, which `verify` reads). The Kafka
 * names follow kafkajs' option names (`ssl`, `sasl.mechanism`, `rejectUnauthorized`); each secret
 * can come from the environment or from a file (`…_FILE`), as container platforms mount them.
 */
import { boolean, text, variable } from '../config-values.js';
import { readableFile, saslMechanism, secret, type SaslMechanism } from './kinds.js';

const file = (doc: string) => variable(readableFile, { default: '', doc });

export const KAFKA_SECURITY_VARIABLES = {
  KAFKA_SSL: variable(boolean, {
    default: false,
    doc: 'Connect to the brokers over TLS (an SSL or SASL_SSL listener); with no KAFKA_SSL_CA_FILE the public CAs Node ships are trusted',
  }),
  KAFKA_SSL_CA_FILE: file('PEM file of the CA certificates that sign the brokers (needs KAFKA_SSL=true)'),
  KAFKA_SSL_CERT_FILE: file(
    'PEM client certificate, for brokers that ask for one (mTLS); with KAFKA_SSL_KEY_FILE',
  ),
  KAFKA_SSL_KEY_FILE: file('PEM private key of KAFKA_SSL_CERT_FILE'),
  KAFKA_SSL_KEY_PASSWORD: variable(secret, {
    default: '',
    doc: 'Passphrase of an encrypted KAFKA_SSL_KEY_FILE (or KAFKA_SSL_KEY_PASSWORD_FILE)',
  }),
  KAFKA_SSL_KEY_PASSWORD_FILE: file('File holding the passphrase of KAFKA_SSL_KEY_FILE'),
  KAFKA_SSL_REJECT_UNAUTHORIZED: variable(boolean, {
    default: true,
    doc: "Verify the brokers' certificates (chain and host name); false turns that off, for a test broker only",
  }),
  KAFKA_SASL_MECHANISM: variable<SaslMechanism | 'none'>(saslMechanism, {
    default: 'none',
    doc: 'SASL authentication to the brokers (a SASL_SSL or SASL_PLAINTEXT listener); needs KAFKA_SASL_USERNAME and a password',
  }),
  KAFKA_SASL_USERNAME: variable(text, { default: '', doc: 'SASL user name (an API key on Confluent Cloud)' }),
  KAFKA_SASL_PASSWORD: variable(secret, {
    default: '',
    doc: 'SASL password (an API secret on Confluent Cloud); or KAFKA_SASL_PASSWORD_FILE',
  }),
  KAFKA_SASL_PASSWORD_FILE: file('File holding the SASL password (a trailing newline is dropped)'),
};

/** The same four variables for each database, so the names differ only by TARGET_ or SOURCE_. */
const databaseVariables = (role: 'target' | 'source', which: string) => ({
  CA: file(
    `PEM file of the CA that signs the ${which} server's certificate (libpq's sslrootcert); needs sslmode=require, verify-ca or verify-full in the URL`,
  ),
  CERT: file(`PEM client certificate for the ${which} (libpq's sslcert); with the key file`),
  KEY: file(`PEM private key of the ${which}'s client certificate (libpq's sslkey)`),
  PASSWORD: file(
    `File holding the ${which}'s password; it wins over a password in ${role.toUpperCase()}_DATABASE_URL (a trailing newline is dropped)`,
  ),
});

const target = databaseVariables('target', 'target');
const source = databaseVariables('source', 'source (read by verify only)');

export const DATABASE_SECURITY_VARIABLES = {
  TARGET_DATABASE_SSL_CA_FILE: target.CA,
  TARGET_DATABASE_SSL_CERT_FILE: target.CERT,
  TARGET_DATABASE_SSL_KEY_FILE: target.KEY,
  TARGET_DATABASE_PASSWORD_FILE: target.PASSWORD,
  SOURCE_DATABASE_SSL_CA_FILE: source.CA,
  SOURCE_DATABASE_SSL_CERT_FILE: source.CERT,
  SOURCE_DATABASE_SSL_KEY_FILE: source.KEY,
  SOURCE_DATABASE_PASSWORD_FILE: source.PASSWORD,
};

export const SECURITY_VARIABLES = { ...KAFKA_SECURITY_VARIABLES, ...DATABASE_SECURITY_VARIABLES };

/** The validated values of the security variables: a part of the pipeline's configuration. */
export type SecurityConfig = {
  readonly [K in keyof typeof SECURITY_VARIABLES]: (typeof SECURITY_VARIABLES)[K]['default'];
};
export type KafkaSecurityConfig = Pick<SecurityConfig, keyof typeof KAFKA_SECURITY_VARIABLES>;
