import { describe, expect, it } from 'vitest';
import { SluiceError } from '@sluice/errors';
import { mapLogError, producerError } from './errors.js';

describe("Kafka's errors as Confluent's", () => {
  const kafkaError = (retriable: boolean) =>
    new SluiceError('SLUICE_KAFKA_ERROR', 'Kafka request failed: The broker said no', { retriable });

  it('reports a failed v2 produce per record: 50003 when asking again may succeed, else 50002', () => {
    expect(producerError(kafkaError(true))).toEqual({ error_code: 50003, error: 'The broker said no' });
    expect(producerError(kafkaError(false))).toEqual({ error_code: 50002, error: 'The broker said no' });
  });

  it('answers other Kafka failures 500 with 50003 or 50002', () => {
    for (const [retriable, code] of [
      [true, 50003],
      [false, 50002],
    ] as const) {
      const mapped = mapLogError(kafkaError(retriable), true);
      expect({ status: mapped?.status, code: mapped?.errorCode }).toEqual({ status: 500, code });
      expect(mapped?.message).toMatch(/The broker said no$/);
    }
  });
});
