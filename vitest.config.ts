import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure code and marble tests, no services) and `integration` (the real stack:
// PostgreSQL, Kafka, Kafka Connect with Debezium), which the global setup brings up when missing.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/chaos/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['infra/test-stack/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One stack, shared: integration files run one at a time so they do not race on its tables.
          fileParallelism: false,
          // kafkajs warns at every producer that its default partitioner changed in 2.0: known, noise.
          env: { KAFKAJS_NO_PARTITIONER_WARNING: '1' },
        },
      },
    ],
  },
});
