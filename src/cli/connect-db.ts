/** A database client for a command, or one clear line naming the variable to fix. */
import pg from 'pg';
import { withoutPassword } from '../connection.js';

export async function connectDatabase(url: string, role: string, variable: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect().catch((error: Error) => {
    throw new Error(
      `cannot reach the ${role} database at ${withoutPassword(url)}: ${error.message}\n  fix: start it (npm run stack:up in the project), or set ${variable}`,
    );
  });
  return client;
}
