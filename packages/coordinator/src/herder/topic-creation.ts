// Connect's topic creation for source connectors (KIP-158): the `topic.creation.*` keys say how a topic
// the connector writes to is created when it does not exist yet.
import type { TopicSpec } from '@sluice/log';
import { commaList, withPrefixRemoved } from '@sluice/sdk';

/** One `topic.creation.<group>` group: which topics it covers and how they are created. */
export interface TopicCreationGroup {
  name: string;
  /** Regular expressions (whole-name matches, as Java's `Pattern.matches`). */
  include: string[];
  exclude: string[];
  /** -1: the broker's default. */
  partitions: number;
  replicationFactor: number;
  /** Every other key of the group: topic configs by Kafka's names. */
  configs: Record<string, string>;
}

export interface TopicCreationSpec {
  /** The groups of `topic.creation.groups`, in order; the first that covers a topic wins. */
  groups: TopicCreationGroup[];
  /** `topic.creation.default.*`: every topic no group covers. */
  default: TopicCreationGroup;
}

const GROUP_KEYS = new Set(['include', 'exclude', 'partitions', 'replication.factor']);

/** Whether a connector uses topic creation: any `topic.creation.*` key (validation then requires the default group's two). */
export function usesTopicCreation(connector: Readonly<Record<string, string>>): boolean {
  return Object.keys(connector).some((key) => key.startsWith('topic.creation.'));
}

/**
 * The connector's topic creation settings, or undefined when it has none: its topics are then created
 * with one partition and the broker's replication factor, as the broker's auto-creation would.
 */
export function topicCreationSpec(
  connector: Readonly<Record<string, string>>,
): TopicCreationSpec | undefined {
  if (!usesTopicCreation(connector)) return undefined;
  const group = (name: string, fallback?: TopicCreationGroup): TopicCreationGroup => {
    const settings = withPrefixRemoved(connector, `topic.creation.${name}.`);
    const number = (key: string, inherited: number | undefined) =>
      settings[key] === undefined ? (inherited ?? -1) : Number(settings[key]);
    // Only a group's own topic configs: as in Connect, a group inherits partitions and replication
    // factor from the default group, not its other settings.
    const configs: Record<string, string> = {};
    for (const [key, value] of Object.entries(settings)) if (!GROUP_KEYS.has(key)) configs[key] = value;
    return {
      name,
      include: name === 'default' ? ['.*'] : commaList(settings['include']),
      exclude: name === 'default' ? [] : commaList(settings['exclude']),
      partitions: number('partitions', fallback?.partitions),
      replicationFactor: number('replication.factor', fallback?.replicationFactor),
      configs,
    };
  };
  const defaults = group('default');
  const groups = commaList(connector['topic.creation.groups'])
    .filter((name) => name !== 'default')
    .map((name) => group(name, defaults));
  return { groups, default: defaults };
}

/** How `topic` is created: by the first group that includes and does not exclude it, else the default. */
export function topicSpecFor(spec: TopicCreationSpec | undefined, topic: string): TopicSpec {
  if (spec === undefined) return { name: topic, partitions: 1 };
  const matches = (patterns: readonly string[]) => patterns.some((p) => new RegExp(`^(?:${p})$`).test(topic));
  const group = spec.groups.find((g) => matches(g.include) && !matches(g.exclude)) ?? spec.default;
  const out: TopicSpec = { name: topic, configs: { ...group.configs } };
  if (group.partitions !== -1) out.partitions = group.partitions;
  if (group.replicationFactor !== -1) out.replicationFactor = group.replicationFactor;
  return out;
}
