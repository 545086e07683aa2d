import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

/**
 * Bootstrap servers of the Kafka cluster that `npm test` started with `scripts/kafka up`.
 * Throws rather than skipping: a Kafka-backed test that silently does nothing hides breakage.
 */
export function kafkaBootstrap(): string[] {
  const value = process.env['SLUICE_KAFKA_BOOTSTRAP'];
  if (value === undefined || value.trim() === '') {
    throw new Error(
      'SLUICE_KAFKA_BOOTSTRAP is not set. Run the tests with `npm test` (it starts a broker with scripts/kafka), ' +
        'or start one with `scripts/kafka up` and export SLUICE_KAFKA_BOOTSTRAP=<the line it prints>.',
    );
  }
  return value.split(',').map((server) => server.trim());
}

/** A name no other test (or earlier run) uses: for topics, groups, connectors. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A loopback port that was free a moment ago. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
}
export { repoRoot, runTypeScript, type TypeScriptChild } from './child.js';

export { makeTestCertificates, type Certificates } from './certificates.js';
