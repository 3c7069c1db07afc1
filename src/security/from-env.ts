/**
 * The security settings of a command that is not the service (peek, topics, verify, check-target,
 * the demo): the same variables, validated by the same loadConfig, so a tool reaches a broker or a
 * database exactly as the service does.
 */
import { loadConfig } from '../config.js';
import { kafkaSecurity, type KafkaSecurity } from './kafka.js';
import type { SecurityConfig } from './variables.js';

/** The validated security variables of `env`; a bad one throws a ConfigError (one line each). */
export const securityFromEnv = (env: NodeJS.ProcessEnv = process.env): SecurityConfig => loadConfig(env);

/** kafkajs' `ssl` and `sasl` options from `env`. */
export const kafkaSecurityFromEnv = (env: NodeJS.ProcessEnv = process.env): KafkaSecurity =>
  kafkaSecurity(securityFromEnv(env));
