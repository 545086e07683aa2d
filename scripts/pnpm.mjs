// Which pnpm to run, for scripts/setup.mjs and the tests that run pnpm (test/compose.test.ts). Pure Node.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The pnpm version package.json pins (`packageManager`). */
export const pnpmVersion = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split(
  '@',
)[1];

/**
 * The pnpm to call, as [command, leading arguments]: the one on PATH when it is the pinned major, otherwise
 * the pinned one through npx (corepack's signature check fails against some registries, so it is not used).
 */
export function pnpmCommand() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim().split('.')[0] === pnpmVersion.split('.')[0])
    return ['pnpm', []];
  return ['npx', ['--yes', `pnpm@${pnpmVersion}`]];
}
