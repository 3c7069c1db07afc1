import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The chaos suite, apart from `npm test`: it starts its own stack and runs for minutes. Full run:
// `npm run test:chaos`; CI's short run: `npm run test:chaos:short` (durations from CHAOS_* variables).
export default defineConfig({
  root: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'),
  test: {
    name: 'chaos',
    include: ['test/chaos/**/*.test.ts'],
    // Each fault sets its own timeout from the configured durations.
    hookTimeout: 600_000,
    fileParallelism: false,
    // kafkajs warns at every producer that its default partitioner changed in 2.0: known, noise.
    env: { KAFKAJS_NO_PARTITIONER_WARNING: '1' },
  },
});
