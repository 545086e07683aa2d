// A task's key, value and header converters: resolved on the main thread (which has the plugin
// registry) into plain locations and configs, then instantiated and configured in the task's thread.
import { ConfigError, SluiceError } from '@sluice/errors';
import type { Converter, HeaderConverter, PluginKind } from '@sluice/sdk';
import { loadPlugin, type PluginLocation } from '@sluice/plugins';
import { withPrefixRemoved } from '@sluice/sdk';
import type { TaskWorkerSettings } from './worker-settings.js';

/** One converter: where its plugin lives and the configs it is configured with (prefix removed). */
export interface ConverterSpec extends PluginLocation {
  config: Record<string, string>;
}

export interface ConverterSpecs {
  key: ConverterSpec;
  value: ConverterSpec;
  header: ConverterSpec;
}

/** Configured converter instances, living in the task's thread. */
export interface TaskConverters {
  key: Converter;
  value: Converter;
  header: HeaderConverter;
}

export interface ResolveConvertersOptions {
  worker: Pick<TaskWorkerSettings, 'keyConverter' | 'valueConverter' | 'headerConverter' | 'originals'>;
  connector: Readonly<Record<string, string>>;
  /** Finds a plugin by class name or alias (`PluginRegistry.find(...)?.location`). */
  find: (name: string, kinds: readonly PluginKind[]) => PluginLocation | undefined;
}

const KINDS: Record<keyof ConverterSpecs, readonly PluginKind[]> = {
  key: ['converter'],
  value: ['converter'],
  header: ['header-converter'],
};

/**
 * The converters of a task, as Kafka Connect's `Worker.startTask` picks them: when the connector config
 * names `key.converter` (`value.converter`, `header.converter`), that class is configured with the
 * connector's `key.converter.*` settings only; otherwise the worker's class with the worker's
 * `key.converter.*` settings. Connect does not merge the two levels (a connector that sets its own
 * `value.converter` must also set its own `value.converter.schemas.enable`); neither do we.
 */
export function resolveConverterSpecs({ worker, connector, find }: ResolveConvertersOptions): ConverterSpecs {
  const workerSettings = Object.fromEntries(worker.originals);
  const workerClasses = {
    key: worker.keyConverter,
    value: worker.valueConverter,
    header: worker.headerConverter,
  };
  const resolve = (which: keyof ConverterSpecs): ConverterSpec => {
    const key = `${which}.converter`;
    const own = connector[key]?.trim();
    const [className, settings] =
      own !== undefined && own !== '' ? [own, connector] : [workerClasses[which], workerSettings];
    const location = find(className, KINDS[which]);
    if (location === undefined) {
      const kind = which === 'header' ? 'header converter' : 'converter';
      throw new ConfigError(key, `${key} must name a ${kind} plugin, got '${className}'`);
    }
    return { ...location, config: withPrefixRemoved(settings, `${key}.`) };
  };
  return { key: resolve('key'), value: resolve('value'), header: resolve('header') };
}

/**
 * Instantiates and configures the converters in the calling thread; `enter` wraps the calls into plugin
 * code (the task's `ActorContext.enter`).
 */
export async function createConverters(
  specs: ConverterSpecs,
  enter: <T>(callback: () => T) => T = (callback) => callback(),
): Promise<TaskConverters> {
  const [key, value, header] = await Promise.all([
    loadPlugin(specs.key),
    loadPlugin(specs.value),
    loadPlugin(specs.header),
  ]);
  if (key.kind !== 'converter') throw notA('key.converter', specs.key, 'converter');
  if (value.kind !== 'converter') throw notA('value.converter', specs.value, 'converter');
  if (header.kind !== 'header-converter') throw notA('header.converter', specs.header, 'header converter');
  return enter(() => {
    const keyConverter = key.create();
    keyConverter.configure(specs.key.config, true);
    const valueConverter = value.create();
    valueConverter.configure(specs.value.config, false);
    const headerConverter = header.create();
    headerConverter.configure(specs.header.config);
    return { key: keyConverter, value: valueConverter, header: headerConverter };
  });
}

/** Closes the converters that have something to close; errors are not the task's failure. */
export function closeConverters(converters: TaskConverters, enter: <T>(callback: () => T) => T): void {
  for (const converter of [converters.key, converters.value, converters.header]) {
    try {
      enter(() => converter.close?.());
    } catch {
      // A converter that fails to close holds nothing the task still needs.
    }
  }
}

function notA(key: string, location: PluginLocation, kind: string): SluiceError {
  return new SluiceError(
    'SLUICE_PLUGIN_NOT_FOUND',
    `${key}: ${location.className} in ${location.module} is not a ${kind}`,
  );
}
