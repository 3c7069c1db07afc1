/**
 * The checks across security variables that loadConfig runs once every variable parsed: settings
 * that are each fine but do not go together (a certificate without its key, SASL without a
 * password, a CA file for a URL without sslmode). Each problem is one line naming the fix.
 */
import { kafkaSecurityProblems } from './kafka.js';
import { databaseSecurity, databaseSecurityProblems } from './postgres.js';
import type { SecurityConfig } from './variables.js';

export function securityProblems(
  config: SecurityConfig & { readonly TARGET_DATABASE_URL: string },
): string[] {
  return [
    ...kafkaSecurityProblems(config),
    ...databaseSecurityProblems(config.TARGET_DATABASE_URL, databaseSecurity(config, 'target'), 'target'),
  ];
}
