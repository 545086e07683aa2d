import kafkajs from 'kafkajs';
import type { Kafka, KafkaConfig as KafkajsConfig } from 'kafkajs';
import { kafkaSocketFactory } from './socket-factory.js';
import type { WriteGate } from './write-gate.js';

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaClientConfig {
  /** Bootstrap servers, `host:port`. */
  brokers: string[];
  /** @default 'sluice' */
  clientId?: string;
  /** Milliseconds to establish a connection. @default 3000 */
  connectionTimeout?: number;
  /** Milliseconds before a request without an answer fails. @default 30000 */
  requestTimeout?: number;
  /**
   * kafkajs's own logging, to the console. Off by default: kafkajs logs every broker error answer at
   * `error` level, including the REBALANCE_IN_PROGRESS that group members handle routinely.
   * @default 'nothing'
   */
  logLevel?: KafkaLogLevel;
  /** TLS: `true` for defaults, or Node `tls.connect` options. @default undefined (plaintext) */
  ssl?: KafkajsConfig['ssl'];
  /** SASL mechanism and credentials. @default undefined (no authentication) */
  sasl?: KafkajsConfig['sasl'];
  /** Asked right before each state-changing request is written to a broker (see `WriteGate`). @default none */
  writeGate?: WriteGate;
}

const LOG_LEVELS: Record<KafkaLogLevel, kafkajs.logLevel> = {
  nothing: kafkajs.logLevel.NOTHING,
  error: kafkajs.logLevel.ERROR,
  warn: kafkajs.logLevel.WARN,
  info: kafkajs.logLevel.INFO,
  debug: kafkajs.logLevel.DEBUG,
};

/** A kafkajs client, for its public producer and admin, and to build a `BrokerClient` or `KafkaGroupClient`. */
export function createKafka(config: KafkaClientConfig): Kafka {
  return new kafkajs.Kafka({
    brokers: config.brokers,
    clientId: config.clientId ?? 'sluice',
    connectionTimeout: config.connectionTimeout ?? 3000,
    requestTimeout: config.requestTimeout ?? 30_000,
    logLevel: LOG_LEVELS[config.logLevel ?? 'nothing'],
    ...(config.ssl === undefined ? {} : { ssl: config.ssl }),
    ...(config.sasl === undefined ? {} : { sasl: config.sasl }),
    socketFactory: kafkaSocketFactory(config.writeGate),
  });
}
