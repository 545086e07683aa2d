import { readFileSync } from 'node:fs';

/** This package's version, the one `GET /` reports. */
export const SLUICE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
