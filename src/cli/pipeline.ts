/**
 * `npm run pipeline`: the service as `cdc-pipeline run`, under the entry path that scripts, the
 * benchmark and the demo start (src/cli/pipeline.ts, dist/src/cli/pipeline.js).
 */
import './quiet-warnings.js';
import { runProgram } from './program.js';
import { runCommand } from './run.js';

await runProgram(runCommand().name('pipeline'), process.argv);
