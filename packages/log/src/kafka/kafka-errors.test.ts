import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { SluiceError } from '@sluice/errors';
import { toSluiceError } from './kafka-log.js';

/** A broker's error as kafkajs reports it (type, message and retriable from Kafka's error table). */
const protocolError = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError(Object.assign(new Error(`${type} from the broker`), { type, code: 0, retriable }));

describe('kafkajs errors as Sluice errors', () => {
  it("keeps Kafka's word on whether asking again may succeed, also after kafkajs's own retries", () => {
    const notEnough = protocolError('NOT_ENOUGH_REPLICAS', true);
    const exhausted = new KafkaJSNumberOfRetriesExceeded(notEnough, { retryCount: 5, retryTime: 1000 });
    expect(exhausted.retriable).toBe(false);
    for (const error of [notEnough, exhausted]) {
      const mapped = toSluiceError(error, 't') as SluiceError;
      expect(mapped.code).toBe('SLUICE_KAFKA_ERROR');
      expect(mapped.retriable).toBe(true);
    }
    const tooLarge = toSluiceError(protocolError('MESSAGE_TOO_LARGE', false), 't') as SluiceError;
    expect(tooLarge.retriable).toBe(false);
    expect(tooLarge.message).toMatch(/MESSAGE_TOO_LARGE from the broker/);
  });
});
