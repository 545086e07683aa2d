import { stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { NO_DATA, providerFailure, type ConfigData, type ProviderParams } from '../config-provider.js';
import { CONFIG_FILE_TIMEOUT_MS, FileReadError, readRegularFile, within } from '../read-regular-file.js';
import { PathConfigProvider } from './path-config-provider.js';

/**
 * Kafka's DirectoryConfigProvider (KIP-632): `${dir:<directory>:<key>}` is the content of the file named `key`
 * in `directory`, as UTF-8, untrimmed, read afresh on every lookup. Only regular files of at most 1 MiB count,
 * after following symlinks (a Kubernetes secret volume links each key to a hidden `..data` directory); a FIFO
 * or a device is never opened for reading. An empty path, a path that is not a directory or lies outside
 * `allowed.paths`, or a key with no such regular file leaves the variable as written, as in Kafka. A file that
 * cannot be read fails the transform within `allowed.paths`, with the reason; without `allowed.paths` it is
 * left as written like a missing one (the worker's log says why), so that a config cannot tell which paths
 * exist. A file over the size bound, or a read that takes longer than 10 s, fails the transform.
 */
export class DirectoryConfigProvider extends PathConfigProvider {
  static readonly className = 'org.apache.kafka.common.config.provider.DirectoryConfigProvider';

  static configure(params: ProviderParams): DirectoryConfigProvider {
    return new DirectoryConfigProvider(...PathConfigProvider.settings(params));
  }

  async get(path: string, keys: ReadonlySet<string>): Promise<ConfigData> {
    const directory = this.allowedPaths.pathToRead(path, this.warn);
    if (directory === undefined) return NO_DATA;
    if (!(await isDirectory(directory))) {
      this.warn(`the path ${path} is not a directory; its variables are left unresolved`);
      return NO_DATA;
    }
    const data = new Map<string, string>();
    // Only plain names are looked up, so a key such as `../x` cannot leave the directory.
    for (const name of [...keys].filter(isPlainName)) {
      const file = join(directory, name);
      try {
        data.set(name, (await readRegularFile(file)).toString('utf8'));
      } catch (error) {
        if (!(error instanceof FileReadError)) throw providerFailure(`could not read file ${file}`, error);
        // Kafka's Files.isRegularFile filter: a missing file or a directory is no value.
        if (error.failure === 'missing' || error.failure === 'not-regular') continue;
        if (error.failure === 'unreadable' && !this.showsReasons()) {
          this.warn(`could not read file ${file} for property ${name}: ${error.detailedMessage}`);
          continue;
        }
        throw this.readFailure(`could not read file ${file} for property ${name}`, error);
      }
    }
    return { data };
  }
}

/** A name of a file directly in the directory. */
function isPlainName(key: string): boolean {
  return (
    key !== '' &&
    key !== '.' &&
    key !== '..' &&
    !key.includes('/') &&
    !key.includes(sep) &&
    !key.includes('\0')
  );
}

/** Java's Files.isDirectory: symlinks followed, false when the path cannot be read. */
async function isDirectory(path: string): Promise<boolean> {
  try {
    const stats = await within(stat(path), CONFIG_FILE_TIMEOUT_MS, () =>
      providerFailure(`the directory ${path} was not read within ${CONFIG_FILE_TIMEOUT_MS} ms`),
    );
    return stats.isDirectory();
  } catch (error) {
    if ((error as { code?: string }).code === 'SLUICE_CONFIG_PROVIDER_FAILED') throw error;
    return false;
  }
}
