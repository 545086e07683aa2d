import { ConfigError } from '@sluice/errors';
import type { SinkConnector, SourceConnector } from '../connector/connector.js';
import type { SinkTask } from '../connector/sink-task.js';
import type { SourceTask } from '../connector/source-task.js';
import type { Converter, HeaderConverter } from '../storage/converter.js';
import type { Predicate, Transformation } from '../transforms/transformation.js';

/**
 * How a package declares its plugins. Its entry module exports `plugins: PluginDescriptor[]`
 * ({@link PLUGINS_EXPORT}); the runtime finds packages through `plugin.path`, imports the entry in each thread
 * that needs a plugin, and looks plugins up by class name or alias. Nothing but strings crosses a thread:
 * a task thread is told "package P, connector class C", imports P and calls that descriptor's `createTask`.
 */
export type PluginKind =
  'source' | 'sink' | 'converter' | 'header-converter' | 'transformation' | 'predicate';

/** The name of the export that lists a package's plugins. */
export const PLUGINS_EXPORT = 'plugins';

interface PluginBase<K extends PluginKind, T> {
  readonly kind: K;
  /** Apache-style class name, the name configs use (`connector.class`, `value.converter`, …). */
  readonly className: string;
  /** Other names configs may use, e.g. the simple class name and it without the `Connector` suffix. */
  readonly aliases: readonly string[];
  readonly version: string;
  /** A new, unconfigured instance. */
  create(): T;
}

/** What connector plugins have beyond other plugins. */
interface ConnectorPluginBase {
  /**
   * The name of the connector's task class, which every task config carries as `task.class`, as
   * Connect's carry `taskClass().getName()`. Tools read it; the runtime finds tasks through `createTask`.
   * @default the connector's class name with its `Connector` suffix replaced by `Task` (see `defaultTaskClass`)
   */
  readonly taskClass?: string;
}

export interface SourceConnectorPlugin extends PluginBase<'source', SourceConnector>, ConnectorPluginBase {
  /** A new task of this connector; called in the task's thread (Connect's `taskClass()`). */
  createTask(): SourceTask;
}
export interface SinkConnectorPlugin extends PluginBase<'sink', SinkConnector>, ConnectorPluginBase {
  /** A new task of this connector; called in the task's thread (Connect's `taskClass()`). */
  createTask(): SinkTask;
}
export type ConverterPlugin = PluginBase<'converter', Converter>;
export type HeaderConverterPlugin = PluginBase<'header-converter', HeaderConverter>;
export type TransformationPlugin = PluginBase<'transformation', Transformation>;
export type PredicatePlugin = PluginBase<'predicate', Predicate>;

export type PluginDescriptor =
  | SourceConnectorPlugin
  | SinkConnectorPlugin
  | ConverterPlugin
  | HeaderConverterPlugin
  | TransformationPlugin
  | PredicatePlugin;

/** A descriptor whose aliases may be left out. */
export type PluginDefinition = PluginDescriptor extends infer P
  ? P extends PluginDescriptor
    ? Omit<P, 'aliases'> & { aliases?: readonly string[] }
    : never
  : never;

/** The shape of a plugin package's entry module. */
export interface PluginModule {
  readonly plugins: readonly PluginDescriptor[];
}

const SUFFIXES: Record<PluginKind, string> = {
  source: 'Connector',
  sink: 'Connector',
  converter: 'Converter',
  'header-converter': 'Converter',
  transformation: '',
  predicate: '',
};

/**
 * Connect's aliases of a class name: its simple name, and that without the kind's suffix
 * (`org.apache.kafka.connect.file.FileStreamSourceConnector` → `FileStreamSourceConnector`, `FileStreamSource`).
 */
export function defaultAliases(className: string, kind: PluginKind): string[] {
  const simple = className.slice(className.lastIndexOf('.') + 1);
  const suffix = SUFFIXES[kind];
  const pruned =
    suffix && simple.endsWith(suffix) && simple !== suffix ? simple.slice(0, -suffix.length) : null;
  return pruned === null ? [simple] : [simple, pruned];
}

/**
 * The task class name a connector class implies when its descriptor names none: `…FileStreamSourceConnector`
 * → `…FileStreamSourceTask` (Apache's and Confluent's naming), otherwise the class name plus `Task`.
 */
export function defaultTaskClass(connectorClass: string): string {
  return connectorClass.endsWith('Connector') && !connectorClass.endsWith('.Connector')
    ? `${connectorClass.slice(0, -'Connector'.length)}Task`
    : `${connectorClass}Task`;
}

/** A connector plugin's task class name (`task.class` in its task configs). */
export function taskClassOf(plugin: SourceConnectorPlugin | SinkConnectorPlugin): string {
  return plugin.taskClass ?? defaultTaskClass(plugin.className);
}

/** Checks and freezes a descriptor, filling in default aliases (and a connector's task class name). */
export function definePlugin<const D extends PluginDefinition>(
  definition: D,
): Extract<PluginDescriptor, { kind: D['kind'] }> {
  const where = definition.className || '(unnamed plugin)';
  if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(definition.className)) {
    throw new ConfigError('className', `Plugin class name ${where} is not a dotted identifier`);
  }
  if (typeof definition.create !== 'function')
    throw new ConfigError('create', `Plugin ${where} has no create()`);
  if (
    (definition.kind === 'source' || definition.kind === 'sink') &&
    typeof definition.createTask !== 'function'
  ) {
    throw new ConfigError('createTask', `Connector plugin ${where} has no createTask()`);
  }
  const aliases = Object.freeze([
    ...(definition.aliases ?? defaultAliases(definition.className, definition.kind)),
  ]);
  if (definition.kind === 'source' || definition.kind === 'sink') {
    const taskClass = definition.taskClass ?? defaultTaskClass(definition.className);
    if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/.test(taskClass)) {
      throw new ConfigError(
        'taskClass',
        `Task class name ${taskClass} of ${where} is not a dotted identifier`,
      );
    }
    return Object.freeze({ ...definition, aliases, taskClass }) as unknown as Extract<
      PluginDescriptor,
      { kind: D['kind'] }
    >;
  }
  return Object.freeze({ ...definition, aliases }) as unknown as Extract<
    PluginDescriptor,
    { kind: D['kind'] }
  >;
}

const KINDS = new Set<string>(Object.keys(SUFFIXES));

/** Whether a value (e.g. an element of an imported `plugins` export) has a descriptor's shape. */
export function isPluginDescriptor(value: unknown): value is PluginDescriptor {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Record<string, unknown>;
  return (
    typeof d.kind === 'string' &&
    KINDS.has(d.kind) &&
    typeof d.className === 'string' &&
    Array.isArray(d.aliases) &&
    typeof d.version === 'string' &&
    typeof d.create === 'function' &&
    ((d.kind !== 'source' && d.kind !== 'sink') ||
      (typeof d.createTask === 'function' && (d.taskClass === undefined || typeof d.taskClass === 'string')))
  );
}
