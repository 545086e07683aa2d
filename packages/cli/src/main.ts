import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SluiceError } from '@sluice/errors';
import { parseProperties } from '@sluice/config-providers';
import { Loggers } from '@sluice/logging';
import { RestProxy, resolveRestProxyConfig } from '@sluice/rest-proxy';
import { SluiceWorker } from './sluice-worker.js';
import { SLUICE_VERSION } from './version.js';
import {
  collectWorkerProperties,
  parseWorkerArguments,
  withEnvOrigins,
  WORKER_USAGE,
} from './worker-arguments.js';
import { resolveWorkerConfig } from './worker-config.js';

const REST_PROXY_USAGE = 'sluice rest-proxy <kafka-rest.properties> [--override key=value ...]';

const USAGE = `Usage:
  ${WORKER_USAGE}
  ${REST_PROXY_USAGE}
  sluice --version
  sluice --help

A worker without bootstrap.servers runs embedded: one process, state under data.dir.
A worker with rest.proxy.listeners also serves the Kafka REST Proxy, on its own log.
A REST Proxy without bootstrap.servers serves an embedded store of its own, under data.dir.
--env-prefix CONNECT_ reads worker properties from CONNECT_* variables as cp-kafka-connect does
(CONNECT_BOOTSTRAP_SERVERS is bootstrap.servers; _ is '.', __ is '_', ___ is '-'): over the file's, under
--override's.`;

/** Entry of the `sluice` command. Resolves with the process exit code once the command is done. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${SLUICE_VERSION}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 1 : 0;
  }
  if (command !== 'worker' && command !== 'rest-proxy') return fail(`unknown command '${command}'\n${USAGE}`);
  try {
    return command === 'worker' ? await runWorker(rest) : await runRestProxy(rest);
  } catch (error) {
    if (SluiceError.is(error)) {
      const usage = error.code === 'SLUICE_USAGE' ? `\n${USAGE}` : '';
      return fail(`${error.message}${usage}`);
    }
    return fail(String((error as Error)?.stack ?? error));
  }
}

function fail(message: string): number {
  process.stderr.write(`sluice: ${message}\n`);
  return 1;
}

/** Parses `<kafka-rest.properties> [--override key=value ...]`, Kafka's own convention for overrides. */
function readRestProxyProperties(args: readonly string[]): Map<string, string> {
  const [file, ...options] = args;
  if (file === undefined || file.startsWith('--'))
    throw new SluiceError('SLUICE_USAGE', 'missing REST Proxy properties file');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SluiceError('SLUICE_FILE_UNREADABLE', `cannot read ${file}: ${(error as Error).message}`);
  }
  const properties = parseProperties(text);
  for (let i = 0; i < options.length; i++) {
    const option = options[i]!;
    const pair = option === '--override' ? options[++i] : undefined;
    const at = pair?.indexOf('=') ?? -1;
    if (pair === undefined || at <= 0) {
      throw new SluiceError(
        'SLUICE_USAGE',
        `expected --override key=value, got '${[option, pair].filter(Boolean).join(' ')}'`,
      );
    }
    properties.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return properties;
}

async function runWorker(args: readonly string[]): Promise<number> {
  const { properties, fromEnv, skipped } = collectWorkerProperties(parseWorkerArguments(args), process.env);
  let config;
  try {
    config = resolveWorkerConfig(properties);
  } catch (error) {
    if (!SluiceError.is(error) || error.code !== 'SLUICE_CONFIG_INVALID') throw error;
    throw new SluiceError(error.code, withEnvOrigins(error.message, fromEnv), { cause: error });
  }
  // Settings of Confluent's image that cp-kafka-connect compose files carry: said, not fatal.
  const log = new Loggers().get('sluice.worker');
  for (const { variable, property, reason } of skipped)
    log.warn(`${variable} (${property}) is not used by Sluice: ${reason}`);
  const worker = await SluiceWorker.start(config);
  const where =
    config.mode === 'embedded'
      ? `embedded, data in ${resolve(config.dataDir)}`
      : `distributed, Kafka at ${config.bootstrapServers.join(',')}`;
  process.stdout.write(`Sluice ${SLUICE_VERSION} worker started (${where})\n`);
  for (const listener of worker.listeners) {
    // No host (Connect's default `http://:8083`) is every interface: said plainly, not as localhost.
    const every = listener.host === '' ? ' (every interface)' : '';
    process.stdout.write(`REST API listening on ${listener.url}${every}\n`);
  }
  for (const listener of worker.restProxyListeners) {
    const every = listener.host === '' || listener.host === '0.0.0.0' ? ' (every interface)' : '';
    process.stdout.write(`REST Proxy listening on ${listener.url}${every}\n`);
  }

  await untilSignalled();
  await worker.stop();
  return 0;
}

/** `sluice rest-proxy`: a Kafka REST Proxy alone, on Kafka or on an embedded store of its own. */
async function runRestProxy(args: readonly string[]): Promise<number> {
  const config = resolveRestProxyConfig(readRestProxyProperties(args));
  const loggers = new Loggers();
  const requests = loggers.get('io.confluent.rest-utils.requests');
  const proxy = await RestProxy.start({
    config,
    logger: loggers.get('io.confluent.kafkarest'),
    accessLog: (line) => requests.info(line),
  });
  const where =
    config.bootstrapServers.length === 0
      ? `embedded, data in ${resolve(config.dataDir)}`
      : `Kafka at ${config.bootstrapServers.join(',')}`;
  process.stdout.write(`Sluice ${SLUICE_VERSION} REST Proxy started (${where})\n`);
  for (const listener of proxy.listeners) {
    const every = listener.host === '' || listener.host === '0.0.0.0' ? ' (every interface)' : '';
    process.stdout.write(`REST Proxy listening on ${listener.url}${every}\n`);
  }
  await untilSignalled();
  await proxy.stop();
  return 0;
}

/** Resolves at SIGINT or SIGTERM; a second signal while stopping ends the process at once. */
function untilSignalled(): Promise<void> {
  return new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      // A second signal while stopping ends the process at once.
      process.once('SIGINT', () => process.exit(130)).once('SIGTERM', () => process.exit(143));
      resolveStop();
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
}
