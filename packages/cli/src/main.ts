import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SluiceError } from '@sluice/errors';
import { parseProperties } from '@sluice/config-providers';
import { Loggers } from '@sluice/logging';
import { RestProxy, resolveRestProxyConfig } from '@sluice/rest-proxy';
import { SluiceWorker } from './sluice-worker.js';
import { SLUICE_VERSION } from './version.js';
import { resolveWorkerConfig } from './worker-config.js';

const USAGE = `Usage:
  sluice worker <worker.properties> [--override key=value ...]
  sluice rest-proxy <kafka-rest.properties> [--override key=value ...]
  sluice --version
  sluice --help

A worker without bootstrap.servers runs embedded: one process, state under data.dir.
A worker with rest.proxy.listeners also serves the Kafka REST Proxy, on its own log.
A REST Proxy without bootstrap.servers serves an embedded store of its own, under data.dir.`;

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
    return fail(SluiceError.is(error) ? error.message : String((error as Error)?.stack ?? error));
  }
}

function fail(message: string): number {
  process.stderr.write(`sluice: ${message}\n`);
  return 1;
}

/** Parses `<file> [--override key=value ...]`, Kafka's own convention for command-line overrides. */
function readProperties(args: readonly string[], what: string): Map<string, string> {
  const [file, ...options] = args;
  if (file === undefined || file.startsWith('--'))
    throw new SluiceError('SLUICE_USAGE', `missing ${what} properties file\n${USAGE}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SluiceError('SLUICE_USAGE', `cannot read ${file}: ${(error as Error).message}`);
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
  const config = resolveWorkerConfig(readProperties(args, 'worker'));
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
  const config = resolveRestProxyConfig(readProperties(args, 'REST Proxy'));
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
