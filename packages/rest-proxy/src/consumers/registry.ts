import { CompactedTopicStore, CorruptStateRecordError } from '@sluice/coordinator';
import type { Log, LogRecord } from '@sluice/log';

/** Where a consumer instance lives: the owning proxy's URL, which other instances forward requests to. */
export interface ConsumerOwner {
  /** The owner's own URL (`advertised.listeners`, else its host name and port). */
  owner: string;
  /** The instance's `base_uri` as its creation answered it. */
  baseUri: string;
}

/**
 * Which proxy instance owns each consumer instance, on a compacted topic all instances of a cluster share:
 * key `["<group>","<instance>"]`, value `{"owner": url, "base_uri": url}`, a tombstone when the instance is
 * deleted or expires. It is not followed in the background: a proxy reads it to its end when a request names
 * an instance it does not have, so a lookup sees every registration acknowledged before it.
 */
export class ConsumerRegistry extends CompactedTopicStore<never> {
  readonly #owners = new Map<string, ConsumerOwner>();

  private constructor(log: Log, topic: string) {
    super(log, topic);
  }

  static async open(log: Log, topic: string, replicationFactor: number): Promise<ConsumerRegistry> {
    const registry = new ConsumerRegistry(log, topic);
    await registry.load({ name: topic, partitions: 1, replicationFactor });
    return registry;
  }

  protected apply(record: LogRecord): void {
    if (record.key === null) throw new CorruptStateRecordError(record, 'has no key');
    const id = record.key.toString('utf8');
    if (record.value === null) {
      this.#owners.delete(id);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(record.value.toString('utf8'));
    } catch (error) {
      throw new CorruptStateRecordError(record, 'is not JSON', error);
    }
    const { owner, base_uri: baseUri } = (parsed ?? {}) as { owner?: unknown; base_uri?: unknown };
    if (typeof owner !== 'string' || typeof baseUri !== 'string') {
      throw new CorruptStateRecordError(record, 'has no owner and base_uri');
    }
    this.#owners.set(id, { owner, baseUri });
  }

  /** Records that `owner` has the instance. */
  async register(group: string, instance: string, owner: ConsumerOwner): Promise<void> {
    await this.log.produce(this.topic, [
      {
        key: registryKey(group, instance),
        value: JSON.stringify({ owner: owner.owner, base_uri: owner.baseUri }),
      },
    ]);
  }

  /** Records that the instance is gone. */
  async unregister(group: string, instance: string): Promise<void> {
    await this.log.produce(this.topic, [{ key: registryKey(group, instance), value: null }]);
  }

  /** The owner of an instance, read after every registration acknowledged so far. */
  async lookup(group: string, instance: string): Promise<ConsumerOwner | undefined> {
    await this.readToEnd({ timeoutMs: 10_000 });
    return this.#owners.get(registryKey(group, instance));
  }
}

function registryKey(group: string, instance: string): string {
  return JSON.stringify([group, instance]);
}
