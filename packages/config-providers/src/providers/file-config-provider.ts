import {
  NO_DATA,
  pickKeys,
  providerFailure,
  type ConfigData,
  type ProviderParams,
} from '../config-provider.js';
import { parseProperties } from '../properties.js';
import { readRegularFile } from '../read-regular-file.js';
import { PathConfigProvider } from './path-config-provider.js';

/**
 * Kafka's FileConfigProvider: `${file:<path>:<key>}` is `key` in the Java properties file at `path`, read
 * afresh on every lookup. As in Kafka, a file that cannot be read or parsed (missing, unreadable, not UTF-8,
 * a malformed `\u` escape) fails the transform, because a connector started with the variable text in place
 * of a secret fails later and less clearly; an empty path, a path outside `allowed.paths` or a key the file
 * lacks leaves the variable as written. Only a regular file of at most 1 MiB is read (a FIFO or a device is
 * refused without being opened for reading), and the read is given up after 10 s; outside `allowed.paths`
 * the failure does not say whether the file is missing, unreadable or not a regular file (the worker's log
 * does).
 */
export class FileConfigProvider extends PathConfigProvider {
  static readonly className = 'org.apache.kafka.common.config.provider.FileConfigProvider';

  static configure(params: ProviderParams): FileConfigProvider {
    return new FileConfigProvider(...PathConfigProvider.settings(params));
  }

  async get(path: string, keys: ReadonlySet<string>): Promise<ConfigData> {
    const file = this.allowedPaths.pathToRead(path, this.warn);
    if (file === undefined) return NO_DATA;
    const failed = `could not read properties from file ${path}`;
    let bytes: Buffer;
    try {
      bytes = await readRegularFile(file);
    } catch (error) {
      throw this.readFailure(failed, error);
    }
    let properties: Map<string, string>;
    try {
      properties = parseProperties(strictUtf8.decode(bytes));
    } catch (error) {
      throw providerFailure(failed, error);
    }
    return pickKeys(keys, (key) => properties.get(key));
  }
}

// Kafka reads the file with a strict UTF-8 decoder that keeps a byte order mark as a character.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
