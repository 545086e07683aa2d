/**
 * `@sluice/rest-proxy`: a Kafka REST Proxy whose API is Confluent REST Proxy's (v2 produce and consumer
 * instances, v3 clusters, brokers, topics, configs, consumer groups and streamed records), on a Kafka cluster
 * or on the embedded store, on the HTTP layer of `@sluice/rest`.
 */
export { consumes, createRestProxyApp, type RestProxyAppOptions } from './app.js';
export {
  hostedProxyProperties,
  resolveRestProxyConfig,
  type AutoOffsetReset,
  type ProducerAcks,
  type ResolveOptions,
  type RestProxyConfig,
} from './config.js';
export { RestProxy, type RestProxyLogger, type RestProxyOptions } from './rest-proxy.js';
