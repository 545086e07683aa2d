import { defineConfig } from 'vitest/config';

// Tests import workspace packages through the `sluice:source` export condition, so they run
// against TypeScript sources without a build step.
export default defineConfig({
  resolve: { conditions: ['sluice:source'] },
  ssr: { resolve: { conditions: ['sluice:source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/connectors/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
    // Two cores: integration tests start processes and brokers; keep parallelism modest.
    maxWorkers: 2,
  },
});
