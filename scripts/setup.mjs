#!/usr/bin/env node
// Brings a fresh clone to a runnable state with nothing but Node and npm on the machine:
// finds or fetches pnpm (corepack's signature check fails against some registries, so it is not used),
// installs the workspace when the lockfile or a manifest changed, and builds incrementally.
// Pure Node on purpose: it runs before any dependency exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pnpmCommand } from './pnpm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'node_modules', '.setup-stamp');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    process.stderr.write(`setup: \`${command} ${args.join(' ')}\` failed (exit ${result.status})\n`);
    process.exit(result.status ?? 1);
  }
}

/** What the installed tree depends on: the lockfile and every manifest. */
function installFingerprint() {
  const hash = createHash('sha256');
  const files = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml'];
  for (const name of readdirSync(join(root, 'packages'))) files.push(join('packages', name, 'package.json'));
  for (const file of files.sort()) {
    const path = join(root, file);
    hash.update(file).update(existsSync(path) ? readFileSync(path) : '');
  }
  return hash.digest('hex');
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  process.stderr.write(`setup: Sluice needs Node.js 20 or newer (this is ${process.version})\n`);
  process.exit(1);
}

const fingerprint = installFingerprint();
if (!existsSync(stampFile) || readFileSync(stampFile, 'utf8') !== fingerprint) {
  const [pnpm, prefix] = pnpmCommand();
  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) ? ['--frozen-lockfile'] : [];
  process.stderr.write(
    'setup: installing dependencies (the first time builds better-sqlite3, about a minute)\n',
  );
  run(pnpm, [...prefix, 'install', ...frozen], { env: { ...process.env, npm_config_yes: 'true' } });
  writeFileSync(stampFile, installFingerprint());
}

run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
