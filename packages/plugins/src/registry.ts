import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SluiceError } from '@sluice/errors';
import { isPluginDescriptor, PLUGINS_EXPORT, type PluginDescriptor, type PluginKind } from '@sluice/sdk';
import { loadModule } from './load-module.js';

/** Where a plugin lives: enough, as plain strings, for any thread to load it. */
export interface PluginLocation {
  /** URL of the plugin package's entry module. */
  module: string;
  className: string;
  /** Which of the class's descriptors (a class may be a converter and a header converter). */
  kind?: PluginKind;
}

export interface RegisteredPlugin {
  descriptor: PluginDescriptor;
  location: PluginLocation;
}

/** `GET /connector-plugins` entries: Connect's type names. */
export interface PluginInfo {
  class: string;
  type: 'source' | 'sink' | 'converter' | 'header_converter' | 'transformation' | 'predicate';
  version: string;
}

/** Connect's `ConnectorPluginsResource` lists plugins in this order of types. */
const LIST_ORDER: ReadonlyArray<PluginInfo['type']> = [
  'sink',
  'source',
  'transformation',
  'predicate',
  'converter',
  'header_converter',
];

/** Class names as Java's `String.compareTo` orders them (by UTF-16 code unit), as Connect's sorted sets do. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const REST_TYPES: Record<PluginKind, PluginInfo['type']> = {
  source: 'source',
  sink: 'sink',
  converter: 'converter',
  'header-converter': 'header_converter',
  transformation: 'transformation',
  predicate: 'predicate',
};

/** The packages every worker has: the SDK's converters, the FileStream and HTTP source connectors, Apache's transforms. */
const BUILT_IN_PACKAGES = [
  '@sluice/sdk',
  '@sluice/connector-file',
  '@sluice/connector-http',
  '@sluice/transforms',
];

/**
 * The plugins this worker can run: built-in packages plus the npm packages found through `plugin.path`
 * (each entry a package directory, or a directory of packages, scoped ones included). A package's entry
 * exports `plugins`, a list of descriptors. Plugins are found by class name or by an alias; an alias two
 * plugins share resolves to neither, as in Connect.
 */
export class PluginRegistry {
  /** Per kind, by class name: one class may be several kinds (JsonConverter is a header converter too). */
  readonly #byKind = new Map<PluginKind, Map<string, RegisteredPlugin>>();
  readonly #byAlias = new Map<string, RegisteredPlugin[]>();

  static async load(pluginPath: readonly string[] = []): Promise<PluginRegistry> {
    const registry = new PluginRegistry();
    for (const name of BUILT_IN_PACKAGES) await registry.#addModule(import.meta.resolve(name), name);
    for (const entry of pluginPath) {
      for (const dir of packageDirs(resolve(entry))) await registry.#addModule(entryModule(dir), dir);
    }
    return registry;
  }

  /**
   * A plugin by class name or alias, of one of `kinds` if given (of the first kind that has it, in `kinds`'
   * order). An alias resolves when the plugins it names are one class.
   */
  find(name: string, kinds?: readonly PluginKind[]): RegisteredPlugin | undefined {
    for (const kind of kinds ?? this.#byKind.keys()) {
      const exact = this.#byKind.get(kind)?.get(name);
      if (exact !== undefined) return exact;
    }
    const fits = (plugin: RegisteredPlugin) => kinds === undefined || kinds.includes(plugin.descriptor.kind);
    const candidates = (this.#byAlias.get(name) ?? []).filter(fits);
    const classes = new Set(candidates.map((plugin) => plugin.descriptor.className));
    if (classes.size !== 1) return undefined;
    return kinds === undefined
      ? candidates[0]
      : kinds.map((kind) => candidates.find((c) => c.descriptor.kind === kind)).find((c) => c !== undefined);
  }

  /**
   * Plugins for `GET /connector-plugins`, in Connect's order: sink connectors, source connectors,
   * transformations, predicates, converters, header converters, each kind by class name.
   */
  list(kinds?: readonly PluginKind[]): PluginInfo[] {
    return [...this.#byKind.values()]
      .flatMap((byClass) => [...byClass.values()])
      .filter((plugin) => kinds === undefined || kinds.includes(plugin.descriptor.kind))
      .map(({ descriptor }) => ({
        class: descriptor.className,
        type: REST_TYPES[descriptor.kind],
        version: descriptor.version,
      }))
      .sort((a, b) => LIST_ORDER.indexOf(a.type) - LIST_ORDER.indexOf(b.type) || compare(a.class, b.class));
  }

  /**
   * Every name a plugin of `kinds` is found by: class names and the aliases that name one plugin only. What
   * a worker tells its group it can run, so that the leader gives it only connectors it has.
   */
  names(kinds?: readonly PluginKind[]): string[] {
    const names = new Set<string>();
    for (const [kind, byClass] of this.#byKind) {
      if (kinds === undefined || kinds.includes(kind)) for (const name of byClass.keys()) names.add(name);
    }
    for (const name of this.#byAlias.keys()) if (this.find(name, kinds) !== undefined) names.add(name);
    return [...names].sort();
  }

  async #addModule(url: string, where: string): Promise<void> {
    let loaded: Record<string, unknown>;
    try {
      loaded = await loadModule(url);
    } catch (error) {
      throw new SluiceError(
        'SLUICE_PLUGIN_LOAD_FAILED',
        `plugin.path: cannot load ${where}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const plugins = loaded[PLUGINS_EXPORT];
    if (!Array.isArray(plugins) || !plugins.every(isPluginDescriptor)) {
      throw new SluiceError(
        'SLUICE_PLUGIN_LOAD_FAILED',
        `plugin.path: ${where} does not export '${PLUGINS_EXPORT}', a list of plugin descriptors`,
      );
    }
    for (const descriptor of plugins) {
      let byClass = this.#byKind.get(descriptor.kind);
      if (byClass === undefined)
        this.#byKind.set(descriptor.kind, (byClass = new Map<string, RegisteredPlugin>()));
      if (byClass.has(descriptor.className)) continue;
      const location = { module: url, className: descriptor.className, kind: descriptor.kind };
      const plugin = { descriptor, location };
      byClass.set(descriptor.className, plugin);
      for (const alias of descriptor.aliases)
        this.#byAlias.set(alias, [...(this.#byAlias.get(alias) ?? []), plugin]);
    }
  }
}

/** Loads one plugin where it is needed (a task thread), from its location. */
export async function loadPlugin(location: PluginLocation): Promise<PluginDescriptor> {
  const plugins = (await loadModule(location.module))[PLUGINS_EXPORT];
  const found = Array.isArray(plugins)
    ? (plugins as unknown[]).find(
        (p): p is PluginDescriptor =>
          isPluginDescriptor(p) &&
          p.className === location.className &&
          (location.kind === undefined || p.kind === location.kind),
      )
    : undefined;
  if (found === undefined) {
    throw new SluiceError(
      'SLUICE_PLUGIN_NOT_FOUND',
      `${location.module} has no plugin ${location.className}`,
    );
  }
  return found;
}

/** The package directories of a plugin.path entry: the entry itself, or its (scoped) subdirectories. */
function packageDirs(entry: string): string[] {
  if (!isDirectory(entry))
    throw new SluiceError('SLUICE_CONFIG_INVALID', `plugin.path: ${entry} is not a directory`);
  if (isFile(join(entry, 'package.json'))) return [entry];
  const dirs: string[] = [];
  for (const name of readdirSync(entry).sort()) {
    const dir = join(entry, name);
    if (!isDirectory(dir)) continue;
    if (name.startsWith('@')) {
      for (const scoped of readdirSync(dir).sort())
        if (isFile(join(dir, scoped, 'package.json'))) dirs.push(join(dir, scoped));
    } else if (isFile(join(dir, 'package.json'))) {
      dirs.push(dir);
    }
  }
  return dirs;
}

/** The entry module of a package directory: `exports["."]` (import or default), else `main`, else index.js. */
function entryModule(dir: string): string {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    exports?: string | Record<string, unknown>;
    main?: string;
  };
  let entry: unknown = manifest.exports;
  if (typeof entry === 'object' && entry !== null) entry = (entry as Record<string, unknown>)['.'] ?? entry;
  if (typeof entry === 'object' && entry !== null) {
    const conditions = entry as Record<string, unknown>;
    entry = conditions['import'] ?? conditions['default'];
  }
  const relative = typeof entry === 'string' ? entry : (manifest.main ?? 'index.js');
  return pathToFileURL(join(dir, relative)).href;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
