/** A database client for a command, or one clear line naming the variable to fix. */
import pg from 'pg';
import { securityFailure } from '../security/explain.js';
import { securityFromEnv } from '../security/from-env.js';
import { databaseConnection, databaseSecurity, type DatabaseRole } from '../security/postgres.js';
import { redactUrl } from '../security/redact.js';

/**
 * A connected client on `url`, with TLS and the password file of the role's variables
 * (TARGET_DATABASE_SSL_*, SOURCE_DATABASE_SSL_*, …_PASSWORD_FILE), as the service connects.
 */
export async function connectDatabase(url: string, role: DatabaseRole, variable: string): Promise<pg.Client> {
  const client = new pg.Client(databaseConnection(url, databaseSecurity(securityFromEnv(), role), role));
  await client.connect().catch((error: Error) => {
    const refused = securityFailure(role, error);
    throw new Error(
      refused === undefined
        ? `cannot reach the ${role} database at ${redactUrl(url)}: ${error.message}\n  fix: start it (npm run stack:up in the project), or set ${variable}`
        : `cannot connect to the ${role} database at ${redactUrl(url)}: ${refused.reason}\n  fix: ${refused.fix}`,
      { cause: error },
    );
  });
  return client;
}
