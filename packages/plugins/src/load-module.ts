import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/**
 * Imports a module by URL, in any thread. TypeScript sources run only under tsx or vitest (tests); on Node 20
 * tsx's ESM hook does not reach worker threads but its require hook does, so sources are required there and
 * imported everywhere else, as built code is.
 */
export async function loadModule(url: string): Promise<Record<string, unknown>> {
  if (url.endsWith('.ts') && !isMainThread)
    return createRequire(import.meta.url)(fileURLToPath(url)) as Record<string, unknown>;
  return (await import(url)) as Record<string, unknown>;
}
