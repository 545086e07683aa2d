import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { ProviderParams, WarningSink } from './config-provider.js';

/** A fresh temporary directory for each test, removed after it; call the result inside a test. */
export function useTempDir(): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-config-providers-'));
  });
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return () => {
    if (dir === undefined) throw new Error('the temporary directory exists only during a test');
    return dir;
  };
}

/** Writes `content` to `dir/name` and returns the file's path. */
export function writeFile(dir: string, name: string, content: string | Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** Params of a provider named `test`, as `config.providers.test.param.*` would give them. */
export function providerParams(
  values: Record<string, string> = {},
  warn: WarningSink = () => undefined,
): ProviderParams {
  return {
    value: (param) => values[param],
    key: (param) => `config.providers.test.param.${param}`,
    warn,
  };
}
