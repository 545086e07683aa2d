import type { AdminLog } from '@sluice/log';
import type { PeerClient } from '@sluice/rest';
import type { RestProxyConfig } from './config.js';
import type { ConsumerManager } from './consumers/consumer-manager.js';
import type { GroupCoordination } from './consumers/coordination.js';
import type { ProduceQueue } from './produce-queue.js';
import type { TopicCache } from './topic-cache.js';

/** What the routes of the proxy work with. */
export interface ProxyContext {
  config: RestProxyConfig;
  log: AdminLog;
  /** The cluster's id (the Kafka cluster's, or the embedded store's). */
  clusterId: string;
  /** Where every produce goes: the shared producer, which coalesces concurrent requests. */
  producer: ProduceQueue;
  /** Partition counts of the topics produced to. */
  topics: TopicCache;
  consumers: ConsumerManager;
  groups: GroupCoordination;
  /** How this instance calls the owner of a consumer instance. */
  peers: PeerClient;
  /** This instance's own URL, which other instances forward requests to. */
  selfUrl: () => string;
}

/** Sent with a request forwarded to a consumer instance's owner: the owner never forwards it again. */
export const FORWARDED_HEADER = 'x-sluice-forwarded-by';
