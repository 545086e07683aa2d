import {
  ConfigDef,
  configInfos,
  mergeConfigInfos,
  NonEmptyString,
  Range,
  ValidString,
  LambdaValidator,
  CompositeValidator,
  type ConfigInfos,
  type ConfigKeys,
  type ConfigType,
  type DefaultValue,
  type SinkConnectorPlugin,
  type SourceConnectorPlugin,
  commaList,
} from '@sluice/sdk';
import type { PluginRegistry, RegisteredPlugin } from '@sluice/plugins';
import { BadRequestError } from './errors.js';
import { javaHashMapString } from './java-text.js';
import type { ConnectorType } from './herder.js';
import { MAX_TASKS } from './task-configs.js';
import { usesTopicCreation } from './topic-creation.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The keys every connector has (Kafka Connect's `ConnectorConfig`), in its groups and order. */
export function commonDef(): ConfigDef {
  let order = 0;
  const common = () => ({ group: 'Common', orderInGroup: ++order });
  const def = new ConfigDef()
    .define({
      name: 'name',
      type: 'STRING',
      importance: 'HIGH',
      documentation: 'Globally unique name to use for this connector.',
      validator: CompositeValidator.of(
        new NonEmptyString(),
        LambdaValidator.with(
          (_, value) =>
            typeof value === 'string' && CONTROL.test(value)
              ? 'String may not contain control sequences'
              : undefined,
          'non-empty string without ISO control characters',
        ),
      ),
      width: 'MEDIUM',
      displayName: 'Connector name',
      ...common(),
    })
    .define({
      name: 'connector.class',
      type: 'STRING',
      importance: 'HIGH',
      documentation: 'Name or alias of the class for this connector.',
      width: 'LONG',
      displayName: 'Connector class',
      ...common(),
    })
    .define({
      name: 'tasks.max',
      type: 'INT',
      defaultValue: 1,
      // Connect's is atLeast(1); Sluice bounds it (see MAX_TASKS for why).
      validator: Range.between(1, MAX_TASKS),
      importance: 'HIGH',
      documentation: `Maximum number of tasks to use for this connector (at most ${MAX_TASKS} in Sluice).`,
      width: 'SHORT',
      displayName: 'Tasks max',
      ...common(),
    })
    .define({
      name: 'tasks.max.enforce',
      type: 'BOOLEAN',
      defaultValue: true,
      importance: 'LOW',
      documentation:
        '(Deprecated) Whether a connector that generates more task configs than tasks.max fails. When false, ' +
        'it may run more tasks than tasks.max. Kept for compatibility with Kafka Connect 3.8+; to be removed.',
      width: 'SHORT',
      displayName: 'Enforce tasks max',
      ...common(),
    })
    .define({
      name: 'key.converter',
      type: 'CLASS',
      defaultValue: null,
      importance: 'LOW',
      documentation: 'Converter class for keys; overrides the worker setting.',
      width: 'SHORT',
      displayName: 'Key converter class',
      ...common(),
    })
    .define({
      name: 'value.converter',
      type: 'CLASS',
      defaultValue: null,
      importance: 'LOW',
      documentation: 'Converter class for values; overrides the worker setting.',
      width: 'SHORT',
      displayName: 'Value converter class',
      ...common(),
    })
    .define({
      name: 'header.converter',
      type: 'CLASS',
      defaultValue: null,
      importance: 'LOW',
      documentation: 'Converter class for headers; overrides the worker setting.',
      width: 'SHORT',
      displayName: 'Header converter class',
      ...common(),
    })
    .define({
      name: 'config.action.reload',
      type: 'STRING',
      defaultValue: 'restart',
      validator: ValidString.in('none', 'restart'),
      importance: 'LOW',
      documentation: 'What to do when a config provider reports a change: none or restart.',
      width: 'MEDIUM',
      displayName: 'Reload Action',
      ...common(),
    })
    .define({
      name: 'transforms',
      type: 'LIST',
      defaultValue: '',
      importance: 'LOW',
      documentation: 'Aliases for the transformations to apply to records.',
      group: 'Transforms',
      orderInGroup: 1,
      width: 'LONG',
      displayName: 'Transforms',
    })
    .define({
      name: 'predicates',
      type: 'LIST',
      defaultValue: '',
      importance: 'LOW',
      documentation: 'Aliases for the predicates used by transformations.',
      group: 'Predicates',
      orderInGroup: 1,
      width: 'LONG',
      displayName: 'Predicates',
    });
  let errors = 0;
  const handling = () => ({ group: 'Error Handling', orderInGroup: ++errors });
  return def
    .define({
      name: 'errors.retry.timeout',
      type: 'LONG',
      defaultValue: 0n,
      importance: 'MEDIUM',
      documentation:
        'Maximum duration in milliseconds that a failed operation is retried; 0 means no retries, -1 infinite.',
      width: 'MEDIUM',
      displayName: 'Retry Timeout for Errors',
      ...handling(),
    })
    .define({
      name: 'errors.retry.delay.max.ms',
      type: 'LONG',
      defaultValue: 60000n,
      importance: 'MEDIUM',
      documentation: 'Maximum duration in milliseconds between consecutive retry attempts.',
      width: 'MEDIUM',
      displayName: 'Maximum Delay Between Retries for Errors',
      ...handling(),
    })
    .define({
      name: 'errors.tolerance',
      type: 'STRING',
      defaultValue: 'none',
      validator: ValidString.in('none', 'all'),
      importance: 'MEDIUM',
      documentation:
        "Behaviour for tolerating errors: 'none' fails the task, 'all' skips problematic records.",
      width: 'SHORT',
      displayName: 'Error Tolerance',
      ...handling(),
    })
    .define({
      name: 'errors.log.enable',
      type: 'BOOLEAN',
      defaultValue: false,
      importance: 'MEDIUM',
      documentation: 'Whether to log errors and the failed operations.',
      width: 'SHORT',
      displayName: 'Log Errors',
      ...handling(),
    })
    .define({
      name: 'errors.log.include.messages',
      type: 'BOOLEAN',
      defaultValue: false,
      importance: 'MEDIUM',
      documentation: 'Whether to include the failed records in the log.',
      width: 'SHORT',
      displayName: 'Log Error Details',
      ...handling(),
    });
}

/** Source connectors also have Connect's `SourceConnectorConfig` keys (topic creation's groups). */
export function sourceDef(): ConfigDef {
  return commonDef().define({
    name: 'topic.creation.groups',
    type: 'LIST',
    defaultValue: '',
    importance: 'LOW',
    documentation:
      'Groups of topic creation settings (topic.creation.<group>.*) besides the default group, in the order ' +
      'a topic is matched against them.',
    group: 'Topic Creation',
    orderInGroup: 1,
    width: 'LONG',
    displayName: 'Topic Creation Groups',
  });
}

/** Sink connectors also have Connect's `SinkConnectorConfig` keys. */
export function sinkDef(): ConfigDef {
  return commonDef()
    .define({
      name: 'topics',
      type: 'LIST',
      defaultValue: '',
      importance: 'HIGH',
      documentation: 'List of topics to consume, separated by commas.',
      group: 'Common',
      orderInGroup: 4,
      width: 'LONG',
      displayName: 'Topics',
    })
    .define({
      name: 'topics.regex',
      type: 'STRING',
      defaultValue: '',
      importance: 'HIGH',
      documentation: 'Regular expression giving topics to consume.',
      group: 'Common',
      orderInGroup: 4,
      width: 'LONG',
      displayName: 'Topics regex',
    })
    .define({
      name: 'errors.deadletterqueue.topic.name',
      type: 'STRING',
      defaultValue: '',
      importance: 'MEDIUM',
      documentation: 'The name of the topic to be used as the dead letter queue (DLQ) for errant records.',
      group: 'Error Handling',
      orderInGroup: 6,
      width: 'MEDIUM',
      displayName: 'Dead Letter Queue Topic Name',
    })
    .define({
      name: 'errors.deadletterqueue.topic.replication.factor',
      type: 'SHORT',
      defaultValue: 3,
      importance: 'MEDIUM',
      documentation: 'Replication factor used to create the dead letter queue topic when it does not exist.',
      group: 'Error Handling',
      orderInGroup: 7,
      width: 'MEDIUM',
      displayName: 'Dead Letter Queue Topic Replication Factor',
    })
    .define({
      name: 'errors.deadletterqueue.context.headers.enable',
      type: 'BOOLEAN',
      defaultValue: false,
      importance: 'MEDIUM',
      documentation: 'If true, add headers with error context to messages written to the dead letter queue.',
      group: 'Error Handling',
      orderInGroup: 8,
      width: 'MEDIUM',
      displayName: 'Enable Error Context Headers',
    });
}

export interface ValidatedConnector {
  infos: ConfigInfos;
  plugin: RegisteredPlugin;
  type: ConnectorType;
}

/** Finds a connector plugin by class name or alias, or fails as Connect does. */
export function findConnectorPlugin(registry: PluginRegistry, connectorClass: string): RegisteredPlugin {
  const plugin = registry.find(connectorClass, ['source', 'sink']);
  if (plugin === undefined) {
    const available = registry
      .list(['source', 'sink'])
      .map((p) => p.class)
      .join(', ');
    throw new BadRequestError(
      `Failed to find any class that implements Connector and which name matches ${connectorClass}, available connectors are: ${available}`,
    );
  }
  return plugin;
}

/**
 * Validates a connector config as Kafka Connect's `AbstractHerder.validateConnectorConfig` does: the
 * common keys, the sink or source keys, then the connector's own `validate`, in one `ConfigInfos` named
 * after the connector class.
 */
export async function validateConnectorConfig(
  registry: PluginRegistry,
  config: Readonly<Record<string, string>>,
): Promise<ValidatedConnector> {
  const connectorClass = config['connector.class'];
  if (connectorClass === undefined || connectorClass.trim() === '') {
    throw new BadRequestError(`Connector config ${JSON.stringify(config)} contains no connector type`);
  }
  const plugin = findConnectorPlugin(registry, connectorClass.trim());
  const kind = plugin.descriptor.kind === 'sink' ? 'sink' : 'source';
  const def = kind === 'sink' ? sinkDef() : sourceDef();
  const values = def.validate(config);
  if (kind === 'sink') {
    const topics = (config['topics'] ?? '').trim();
    const regex = (config['topics.regex'] ?? '').trim();
    const problem =
      topics === '' && regex === ''
        ? 'Must configure one of topics or topics.regex'
        : topics !== '' && regex !== ''
          ? 'topics and topics.regex are mutually exclusive options, but both are set.'
          : undefined;
    if (problem !== undefined) values.find((v) => v.name === 'topics')?.errorMessages.push(problem);
  }
  const common = configInfos(plugin.descriptor.className, def, values);
  const connector = (plugin.descriptor as SourceConnectorPlugin | SinkConnectorPlugin).create();
  const own = await connector.validate({ ...config });
  const ownDef = connector.config();
  const specific = configInfos(
    plugin.descriptor.className,
    ownDef,
    own.filter((v) => !def.configKeys().has(v.name)),
  );
  const stages = [
    ...stageInfos(registry, config, 'transformation'),
    ...stageInfos(registry, config, 'predicate'),
    ...(kind === 'source' ? topicCreationInfos(config) : []),
  ];
  return {
    infos: mergeConfigInfos(plugin.descriptor.className, common, ...stages, specific),
    plugin,
    type: kind,
  };
}

const STAGES = {
  transformation: { list: 'transforms', group: 'Transforms' },
  predicate: { list: 'predicates', group: 'Predicates' },
} as const;

/**
 * The keys each transform (or predicate) alias brings, as Connect's `ConnectorConfig.enrich` adds them
 * to the validated definition: a group `Transforms: <alias>` with `transforms.<alias>.type`, for
 * transforms also `.negate` and `.predicate`, then the plugin's own keys under the same prefix. So a
 * missing type, an unknown class, a bad setting of the transform or an unknown predicate alias is an
 * error on its own key, at validate and at create.
 */
function stageInfos(
  registry: PluginRegistry,
  config: Readonly<Record<string, string>>,
  kind: 'transformation' | 'predicate',
): ConfigInfos[] {
  const { list, group } = STAGES[kind];
  const declared = commaList(config[list]);
  const predicates = new Set(commaList(config['predicates']));
  const out: ConfigInfos[] = [];
  const seen = new Set<string>();
  for (const alias of declared) {
    if (seen.has(alias)) {
      out.push(
        problem(
          list,
          config[list] ?? '',
          `Invalid value ${config[list]} for configuration ${list}: Duplicate alias provided.`,
        ),
      );
      continue;
    }
    seen.add(alias);
    const prefix = `${list}.${alias}.`;
    const stageGroup = `${group}: ${alias}`;
    let order = 0;
    let def = new ConfigDef().define({
      name: `${prefix}type`,
      type: 'CLASS',
      importance: 'HIGH',
      documentation: `Class for the '${alias}' ${kind}.`,
      validator: LambdaValidator.with(
        (_, value) =>
          registry.find(asText(value), [kind]) === undefined
            ? `Class ${asText(value)} could not be found.`
            : undefined,
        `a ${kind} class`,
      ),
      group: stageGroup,
      orderInGroup: ++order,
      width: 'LONG',
      displayName: `${kind === 'transformation' ? 'Transformation' : 'Predicate'} type for ${alias}`,
    });
    if (kind === 'transformation') {
      def = def
        .define({
          name: `${prefix}negate`,
          type: 'BOOLEAN',
          defaultValue: false,
          importance: 'MEDIUM',
          documentation:
            'Whether the predicate is negated: the transform then applies to records it rejects.',
          group: stageGroup,
          orderInGroup: ++order,
          width: 'SHORT',
          displayName: `Negate the predicate for ${alias}`,
        })
        .define({
          name: `${prefix}predicate`,
          type: 'STRING',
          defaultValue: null,
          importance: 'MEDIUM',
          documentation:
            'The alias of a predicate (in predicates) that decides which records the transform applies to.',
          validator: LambdaValidator.with(
            (_, value) =>
              value === null ||
              value === undefined ||
              asText(value).trim() === '' ||
              predicates.has(asText(value).trim())
                ? undefined
                : `Predicate alias ${asText(value)} not found in predicates.`,
            'an alias listed in predicates',
          ),
          group: stageGroup,
          orderInGroup: ++order,
          width: 'MEDIUM',
          displayName: `Predicate for ${alias}`,
        });
    }
    const className = (config[`${prefix}type`] ?? '').trim();
    const found = className === '' ? undefined : registry.find(className, [kind]);
    if (found !== undefined) {
      const own = (found.descriptor as { create(): { config(): ConfigKeys } }).create().config();
      for (const key of own.configKeys().values()) {
        if (def.configKeys().has(prefix + key.name)) continue;
        def = def.define({
          ...key,
          name: prefix + key.name,
          defaultValue: key.defaultValue as DefaultValue<ConfigType>,
          group: stageGroup,
          orderInGroup: ++order,
        });
      }
    }
    const values = def.validate(config).filter((value) => value.name.startsWith(prefix));
    const negate = (config[`${prefix}negate`] ?? '').trim().toLowerCase();
    const predicate = (config[`${prefix}predicate`] ?? '').trim();
    if (kind === 'transformation' && negate === 'true' && predicate === '') {
      values
        .find((value) => value.name === `${prefix}negate`)
        ?.errorMessages.push(`${prefix}negate is set, but ${prefix}predicate names no predicate to negate`);
    }
    out.push(configInfos(found?.descriptor.className ?? className, def, values, [stageGroup]));
  }
  return out;
}

/**
 * A source connector's topic creation groups, when it uses topic creation (any `topic.creation.*` key;
 * then the default group's replication factor and partitions are required): a group
 * `Topic Creation: <group>` per group with its partitions and replication factor (-1 for the broker's
 * default), and for the named groups their `include` and `exclude` patterns.
 */
function topicCreationInfos(config: Readonly<Record<string, string>>): ConfigInfos[] {
  if (!usesTopicCreation(config)) return [];
  const groups = ['default', ...commaList(config['topic.creation.groups']).filter((g) => g !== 'default')];
  const brokerDefaultOrPositive = LambdaValidator.with(
    (_, value) =>
      value === null || value === -1 || (typeof value === 'number' && value >= 1)
        ? undefined
        : "must be -1 (the broker's default) or at least 1",
    '-1, or a positive integer',
  );
  return groups.map((group) => {
    const prefix = `topic.creation.${group}.`;
    const section = `Topic Creation: ${group}`;
    const named = group !== 'default';
    let order = 0;
    let def = new ConfigDef();
    if (named) {
      for (const key of ['include', 'exclude'] as const) {
        def = def.define({
          name: `${prefix}${key}`,
          type: 'LIST',
          defaultValue: '',
          importance: 'LOW',
          documentation: `Regular expressions of the topics this group ${key}s; a topic is matched whole.`,
          group: section,
          orderInGroup: ++order,
          width: 'LONG',
          displayName: `${key === 'include' ? 'Inclusion' : 'Exclusion'} Topic Pattern for ${group}`,
        });
      }
    }
    for (const [key, display] of [
      ['replication.factor', 'Replication Factor'],
      ['partitions', 'Partition Count'],
    ] as const) {
      def = def.define({
        name: `${prefix}${key}`,
        type: 'INT',
        // The default group's two keys are required once topic creation is used; a group inherits them.
        ...(named ? { defaultValue: null } : {}),
        validator: brokerDefaultOrPositive,
        importance: 'LOW',
        documentation: `The ${display.toLowerCase()} of new topics in this group; -1 for the broker's default.`,
        group: section,
        orderInGroup: ++order,
        width: 'LONG',
        displayName: `${display} for ${group}`,
      });
    }
    return configInfos(
      section,
      def,
      def.validate(config).filter((v) => v.name.startsWith(prefix)),
      [section],
    );
  });
}

/** A validate part holding one error on one key the common definition has (it shows there too). */
function problem(name: string, value: string, message: string): ConfigInfos {
  return {
    name,
    error_count: 1,
    groups: [],
    configs: [
      {
        definition: null,
        value: { name, value, recommended_values: [], errors: [message], visible: true },
      },
    ],
  };
}

/** Kafka Connect's create-time message for an invalid config. */
export function invalidConfigMessage(infos: ConfigInfos): string {
  const messages = infos.configs.flatMap((config) => config.value?.errors ?? []);
  return (
    `Connector configuration is invalid and contains the following ${infos.error_count} error(s):\n` +
    `${messages.join('\n')}\n` +
    'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`'
  );
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

/**
 * The connector class a config names, or Connect's 400 when it names none, quoting the config as the
 * JVM prints the `HashMap` Connect checks.
 */
export function requireConnectorClass(config: Readonly<Record<string, string | null>>): string {
  const connectorClass = config['connector.class'];
  if (connectorClass === undefined || connectorClass === null || connectorClass.trim() === '') {
    throw new BadRequestError(`Connector config ${javaHashMapString(config)} contains no connector type`);
  }
  return connectorClass;
}
