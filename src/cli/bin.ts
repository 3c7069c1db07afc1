#!/usr/bin/env -S node --max-semi-space-size=16
/**
 * `cdc-pipeline`: the installed command. `run` is the service; the others inspect what it works
 * on. Development-stack commands (stack:*, demo) are the project's npm scripts, not part of it.
 */
import './quiet-warnings.js';
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { checkTargetCommand } from './check-target.js';
import { deadLettersCommand } from './dead-letters.js';
import { peekCommand } from './peek.js';
import { runProgram } from './program.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { addTableCommand, removeTableCommand } from './tables.js';
import { topicsCommand } from './topics.js';
import { verifyCommand } from './verify.js';

/** The package's own version, from its package.json (two folders up in src/ and in dist/src/). */
function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const manifest = require(candidate) as { name?: string; version?: string };
      if (manifest.name === 'cdc-pipeline' && manifest.version) return manifest.version;
    } catch {
      // Not at this depth: try the next.
    }
  }
  return 'unknown';
}

function cdcPipelineProgram(): Command {
  return new Command('cdc-pipeline')
    .description('Apply Debezium change events from Kafka to a target PostgreSQL, and inspect both sides.')
    .version(packageVersion())
    .addCommand(runCommand())
    .addCommand(verifyCommand())
    .addCommand(addTableCommand())
    .addCommand(removeTableCommand())
    .addCommand(checkTargetCommand())
    .addCommand(peekCommand())
    .addCommand(topicsCommand())
    .addCommand(statusCommand())
    .addCommand(deadLettersCommand());
}

await runProgram(cdcPipelineProgram());
