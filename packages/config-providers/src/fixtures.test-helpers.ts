import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
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
    releaseFifos();
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

const fifos: string[] = [];

/** Makes a FIFO `dir/name`; a reader still blocked on it when the test ends is released then. */
export function fifo(dir: string, name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  fifos.push(path);
  return path;
}

function releaseFifos(): void {
  for (const path of fifos.splice(0)) {
    try {
      // Non-blocking: opens only when a reader waits (and so releases it), else fails at once.
      closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // No reader was waiting.
    }
  }
}
