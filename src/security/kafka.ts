/**
 * kafkajs' `ssl` and `sasl` options from the validated configuration: the one place every Kafka
 * client of the project (the service, the tools, the demo) gets them from. Settings that do not go
 * together are refused with one line each, naming the variable and the fix.
 */
import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { ConfigError } from '../errors.js';
import { readSecret } from './secrets.js';
import type { KafkaSecurityConfig } from './variables.js';

export type KafkaSecurity = Pick<KafkaConfig, 'ssl' | 'sasl'>;

const TLS_FILES = ['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'] as const;

/** What is wrong with the Kafka security settings, a line each (none: they go together). */
export function kafkaSecurityProblems(config: KafkaSecurityConfig): string[] {
  const problems: string[] = [];
  if (!config.KAFKA_SSL) {
    for (const name of TLS_FILES) {
      if (config[name] !== '') problems.push(`${name} is set but KAFKA_SSL is false: set KAFKA_SSL=true`);
    }
  }
  if ((config.KAFKA_SSL_CERT_FILE === '') !== (config.KAFKA_SSL_KEY_FILE === '')) {
    problems.push(
      'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: set both for a client certificate, or neither',
    );
  }
  if (config.KAFKA_SSL_KEY_PASSWORD !== '' && config.KAFKA_SSL_KEY_PASSWORD_FILE !== '') {
    problems.push('KAFKA_SSL_KEY_PASSWORD and KAFKA_SSL_KEY_PASSWORD_FILE are both set: keep one');
  }
  const password = config.KAFKA_SASL_PASSWORD !== '' || config.KAFKA_SASL_PASSWORD_FILE !== '';
  if (config.KAFKA_SASL_PASSWORD !== '' && config.KAFKA_SASL_PASSWORD_FILE !== '') {
    problems.push('KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set: keep one');
  }
  if (config.KAFKA_SASL_MECHANISM === 'none') {
    if (config.KAFKA_SASL_USERNAME !== '' || password) {
      problems.push(
        'KAFKA_SASL_USERNAME or a SASL password is set but KAFKA_SASL_MECHANISM is none: set it to plain, scram-sha-256 or scram-sha-512',
      );
    }
  } else {
    const mechanism = `KAFKA_SASL_MECHANISM=${config.KAFKA_SASL_MECHANISM}`;
    if (config.KAFKA_SASL_USERNAME === '') problems.push(`${mechanism} needs KAFKA_SASL_USERNAME: set it`);
    if (!password) {
      problems.push(`${mechanism} needs a password: set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE`);
    }
  }
  return problems;
}

/** The TLS options: the CA, the client certificate and its key, read from their files. */
function tlsOptions(config: KafkaSecurityConfig): ConnectionOptions {
  const read = (file: string): string | undefined =>
    file === '' ? undefined : fs.readFileSync(file, 'utf8');
  const passphrase = readSecret(config.KAFKA_SSL_KEY_PASSWORD, config.KAFKA_SSL_KEY_PASSWORD_FILE);
  const options: ConnectionOptions = {
    rejectUnauthorized: config.KAFKA_SSL_REJECT_UNAUTHORIZED,
    ca: read(config.KAFKA_SSL_CA_FILE),
    cert: read(config.KAFKA_SSL_CERT_FILE),
    key: read(config.KAFKA_SSL_KEY_FILE),
    passphrase: passphrase === '' ? undefined : passphrase,
  };
  // Unset fields stay off the object: an explicit `ca: undefined` is harmless, but noise in a dump.
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

function saslOptions(config: KafkaSecurityConfig): SASLOptions | undefined {
  if (config.KAFKA_SASL_MECHANISM === 'none') return undefined;
  const password = readSecret(config.KAFKA_SASL_PASSWORD, config.KAFKA_SASL_PASSWORD_FILE);
  const username = config.KAFKA_SASL_USERNAME;
  // One branch per mechanism: kafkajs' SASLOptions is a union discriminated by it.
  switch (config.KAFKA_SASL_MECHANISM) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

/**
 * kafkajs' `ssl` and `sasl` for the configuration; settings that do not go together throw a
 * ConfigError (loadConfig has refused them already, so this throws only for a hand-made config).
 */
export function kafkaSecurity(config: KafkaSecurityConfig): KafkaSecurity {
  const problems = kafkaSecurityProblems(config);
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  const sasl = saslOptions(config);
  return {
    ...(config.KAFKA_SSL ? { ssl: tlsOptions(config) } : {}),
    ...(sasl === undefined ? {} : { sasl }),
  };
}
