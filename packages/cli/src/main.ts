import { resolve } from 'node:path';
import { SluiceError } from '@sluice/errors';
import { Loggers } from '@sluice/logging';
import { SluiceWorker } from './sluice-worker.js';
import { SLUICE_VERSION } from './version.js';
import {
  collectWorkerProperties,
  parseWorkerArguments,
  withEnvOrigins,
  WORKER_USAGE,
} from './worker-arguments.js';
import { resolveWorkerConfig } from './worker-config.js';

const USAGE = `Usage:
  ${WORKER_USAGE}
  sluice --version
  sluice --help

A worker without bootstrap.servers runs embedded: one process, state under data.dir.
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
  if (command !== 'worker') return fail(`unknown command '${command}'\n${USAGE}`);
  try {
    return await runWorker(rest);
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

  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      // A second signal while stopping ends the process at once.
      process.once('SIGINT', () => process.exit(130)).once('SIGTERM', () => process.exit(143));
      resolveStop();
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
  await worker.stop();
  return 0;
}
