import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Imports a module by URL, in any thread. TypeScript sources run only under tsx (tests); on Node 20
 * tsx's ESM hook does not reach worker threads but its require hook does, so sources are required and
 * built code is imported.
 */
export async function loadModule(url: string): Promise<Record<string, unknown>> {
  if (url.endsWith('.ts'))
    return createRequire(import.meta.url)(fileURLToPath(url)) as Record<string, unknown>;
  return (await import(url)) as Record<string, unknown>;
}
