/** `npx tsx infra/stack/resolve-jars.ts`: resolve the stack's jars from Maven Central (CI runs this first). */
import { stackPaths } from './config.js';
import { resolveJars } from './jars.js';
import { StackError } from './stack-error.js';

try {
  console.log(`jars: ${resolveJars(stackPaths())}`);
} catch (error) {
  console.error(error instanceof StackError ? error.report() : error);
  process.exit(1);
}
