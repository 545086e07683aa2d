import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NO_DATA, providerFailure, type ConfigData, type ProviderParams } from '../config-provider.js';
import { PathConfigProvider } from './path-config-provider.js';

/**
 * Kafka's DirectoryConfigProvider (KIP-632): `${dir:<directory>:<key>}` is the content of the file named `key`
 * in `directory`, as UTF-8, untrimmed, read afresh on every lookup. Only regular files count, after following
 * symlinks (a Kubernetes secret volume links each key to a hidden `..data` directory). As in Kafka, a
 * directory that cannot be listed or a file that cannot be read fails the transform; an empty path, a path
 * that is not a directory or lies outside `allowed.paths`, or a key with no such file leaves the variable as
 * written.
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
    let names: string[];
    try {
      names = await readdir(directory);
    } catch (error) {
      throw providerFailure(`could not list directory ${directory}`, error);
    }
    // Keys are matched against the listing, never joined onto the path, so `../x` cannot leave the directory.
    const data = new Map<string, string>();
    for (const name of names.filter((entry) => keys.has(entry))) {
      const file = join(directory, name);
      if (!(await isRegularFile(file))) continue;
      try {
        data.set(name, (await readFile(file)).toString('utf8'));
      } catch (error) {
        throw providerFailure(`could not read file ${file} for property ${name}`, error);
      }
    }
    return { data };
  }
}

// Java's Files.isDirectory and Files.isRegularFile: symlinks followed, false when the path cannot be read.
const isDirectory = (path: string): Promise<boolean> =>
  stat(path).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
const isRegularFile = (path: string): Promise<boolean> =>
  stat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
