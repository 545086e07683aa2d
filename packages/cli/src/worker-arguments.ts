import { readFileSync } from 'node:fs';
import { parseProperties } from '@sluice/config-providers';
import { SluiceError } from '@sluice/errors';
import { workerPropertiesFromEnv, type SkippedVariable } from './env-config.js';

/** The `sluice worker` line of the usage text. */
export const WORKER_USAGE =
  'sluice worker [<worker.properties>] [--env-prefix PREFIX] [--override key=value ...]';

/** What `sluice worker` was asked for. */
export interface WorkerArguments {
  file: string | undefined;
  /** Environment variables starting with it are worker properties (`CONNECT_`, as cp-kafka-connect). */
  envPrefix: string | undefined;
  overrides: Array<[key: string, value: string]>;
}

const usage = (message: string) => new SluiceError('SLUICE_USAGE', message);

/**
 * Parses `[<file>] [--env-prefix PREFIX] [--override key=value ...]` (Kafka's convention for overrides). A
 * properties file is needed unless `--env-prefix` is given.
 */
export function parseWorkerArguments(args: readonly string[]): WorkerArguments {
  const parsed: WorkerArguments = { file: undefined, envPrefix: undefined, overrides: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--override') {
      const pair = args[++i];
      const at = pair?.indexOf('=') ?? -1;
      if (pair === undefined || at <= 0)
        throw usage(`expected --override key=value, got '${[arg, pair].filter(Boolean).join(' ')}'`);
      parsed.overrides.push([pair.slice(0, at), pair.slice(at + 1)]);
    } else if (arg === '--env-prefix') {
      const prefix = args[++i];
      if (prefix === undefined || prefix.startsWith('--')) throw usage('expected --env-prefix PREFIX');
      if (parsed.envPrefix !== undefined) throw usage('--env-prefix is given twice');
      parsed.envPrefix = prefix;
    } else if (arg.startsWith('--')) {
      throw usage(`unknown option '${arg}'`);
    } else if (parsed.file === undefined) {
      parsed.file = arg;
    } else {
      throw usage(`one worker properties file only, got '${parsed.file}' and '${arg}'`);
    }
  }
  if (parsed.file === undefined && parsed.envPrefix === undefined)
    throw usage('missing worker properties file (or --env-prefix)');
  return parsed;
}

/** The worker's properties, with where each came from. */
export interface WorkerProperties {
  properties: Map<string, string>;
  /** Property → the environment variable that set it last, when one did (for error messages). */
  fromEnv: Map<string, string>;
  /** Variables of Confluent's image that Sluice does not use: the caller warns about them. */
  skipped: SkippedVariable[];
}

/**
 * The properties of `sluice worker`: the file's, then the environment's (`--env-prefix`), then `--override`s,
 * each over the ones before.
 */
export function collectWorkerProperties(
  args: WorkerArguments,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): WorkerProperties {
  const properties = new Map<string, string>();
  if (args.file !== undefined) {
    let text: string;
    try {
      text = readFile(args.file);
    } catch (error) {
      throw new SluiceError(
        'SLUICE_FILE_UNREADABLE',
        `cannot read ${args.file}: ${(error as Error).message}`,
      );
    }
    for (const [key, value] of parseProperties(text)) properties.set(key, value);
  }
  const fromEnv = new Map<string, string>();
  let skipped: SkippedVariable[] = [];
  if (args.envPrefix !== undefined) {
    const mapped = workerPropertiesFromEnv(env, args.envPrefix);
    for (const [key, value] of mapped.properties) properties.set(key, value);
    for (const [key, variable] of mapped.variables) fromEnv.set(key, variable);
    skipped = mapped.skipped;
  }
  for (const [key, value] of args.overrides) {
    properties.set(key, value);
    fromEnv.delete(key);
  }
  return { properties, fromEnv, skipped };
}

/**
 * A configuration error's message with the environment variables behind the keys it names: the message
 * names properties, and the user wrote variables.
 */
export function withEnvOrigins(message: string, fromEnv: ReadonlyMap<string, string>): string {
  const named = [...fromEnv].filter(([key]) => mentions(message, key));
  if (named.length === 0) return message;
  return `${message} (from the environment: ${named.map(([key, variable]) => `${key} is ${variable}`).join(', ')})`;
}

/** Whether `text` names `key` as a whole setting name, not as part of a longer one. */
function mentions(text: string, key: string): boolean {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w.-])${escaped}(?![\\w-]|\\.[\\w-])`).test(text);
}
