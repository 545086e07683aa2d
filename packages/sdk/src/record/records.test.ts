import { describe, expect, it } from 'vitest';
import { Schema } from '../data/schema.js';
import { SinkRecord, SourceRecord } from './records.js';

describe('records', () => {
  it('copies a source record with changes, keeping its kind, offsets and own headers', () => {
    const record = new SourceRecord({
      topic: 't',
      sourcePartition: { file: 'a.txt' },
      sourceOffset: { position: 10 },
      valueSchema: Schema.STRING_SCHEMA,
      value: 'line',
    });
    record.headers.addString('h', '1');
    const copy = record.newRecord({ topic: 'u', value: 'LINE' });
    copy.headers.addString('h2', '2');
    expect(copy).toBeInstanceOf(SourceRecord);
    expect(copy).toMatchObject({
      topic: 'u',
      kafkaPartition: null,
      value: 'LINE',
      valueSchema: Schema.STRING_SCHEMA,
      key: null,
      timestamp: null,
      sourcePartition: { file: 'a.txt' },
      sourceOffset: { position: 10 },
    });
    expect(record.headers.size).toBe(1);
    expect(copy.headers.size).toBe(2);
  });

  it('copies a sink record, remembering where it was consumed', () => {
    const record = new SinkRecord({
      topic: 't',
      kafkaPartition: 2,
      kafkaOffset: 41,
      value: 'v',
      timestamp: 5,
      timestampType: 'CreateTime',
    });
    const copy = record.newRecord({ topic: 'renamed', kafkaPartition: 0 });
    expect(copy).toBeInstanceOf(SinkRecord);
    expect(copy).toMatchObject({
      topic: 'renamed',
      kafkaPartition: 0,
      kafkaOffset: 41,
      timestamp: 5,
      timestampType: 'CreateTime',
      originalTopic: 't',
      originalKafkaPartition: 2,
      originalKafkaOffset: 41,
    });
    expect(new SinkRecord({ topic: 't', kafkaPartition: 0, kafkaOffset: 0 }).timestampType).toBe(
      'NoTimestampType',
    );
  });
});
