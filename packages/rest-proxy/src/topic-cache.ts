import { SluiceError } from '@sluice/errors';
import type { Log } from '@sluice/log';

/** How long a topic's partition count is trusted: produce requests do not each ask the cluster. */
const TTL_MS = 5_000;

/**
 * Partition counts of the topics produced to, so that a produce request is checked (topic exists, partition
 * in range) without a metadata request of its own. A topic that does not exist is not remembered (one created
 * elsewhere is seen at once), and a partition beyond the count remembered is checked again with the cluster
 * (one added elsewhere is seen at once too). A topic deleted elsewhere fails at the produce itself.
 */
export class TopicCache {
  readonly #log: Log;
  readonly #counts = new Map<string, { partitions: number; expires: number }>();

  constructor(log: Log) {
    this.#log = log;
  }

  /** The topic's partition count, or undefined when it does not exist (or cannot: an illegal name). */
  async partitions(topic: string, atLeast = 0): Promise<number | undefined> {
    const cached = this.#counts.get(topic);
    if (cached !== undefined && cached.expires > Date.now() && cached.partitions > atLeast)
      return cached.partitions;
    const partitions = await this.#log.partitionCount(topic).catch((error: unknown) => {
      if (SluiceError.is(error) && error.code === 'SLUICE_INVALID_TOPIC') return undefined;
      throw error;
    });
    if (partitions === undefined) {
      this.#counts.delete(topic);
      return undefined;
    }
    this.#counts.set(topic, { partitions, expires: Date.now() + TTL_MS });
    return partitions;
  }

  /** Forgets a topic (deleted or changed through this proxy). */
  forget(topic: string): void {
    this.#counts.delete(topic);
  }
}
