import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
  gitHead?: string;
};

/** This package's version, the one `GET /` reports as `sluice_version`. */
export const SLUICE_VERSION: string = manifest.version;

/**
 * The commit this package was built from, as Connect's `commit` (16 hex digits): npm records it as
 * `gitHead` when it publishes. `unknown` otherwise, as Connect answers without one.
 */
export const SLUICE_COMMIT: string = /^[0-9a-f]{16,}$/.test(manifest.gitHead ?? '')
  ? manifest.gitHead!.slice(0, 16)
  : 'unknown';
