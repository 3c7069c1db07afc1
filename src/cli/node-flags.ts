/**
 * The Node flags the service is started with, wherever this project starts it: the `pipeline`
 * script in package.json, the `cdc-pipeline` command's first line (src/cli/bin.ts), the demo and
 * the benchmarks. test/cli/node-flags.test.ts keeps those in step with this list.
 *
 * `--max-semi-space-size=16` (MiB): V8's young generation as Node 20 sizes it. Node 24 sizes it by
 * the machine's memory, up to 64 MiB of new space on a 24 GiB machine against Node 20's 32, and
 * the pipeline's records, which live from fetch to flush, fill whatever it is given: a 1,000,000
 * message drain peaked at 348 MB resident on Node 24 and at 276 MB with this flag, at the same CPU
 * (npm run bench, README's Benchmark). It can only be set when the process starts.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16'];
