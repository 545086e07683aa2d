import { DataError } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { configured, sinkRecord, sourceRecord, TIMESTAMP } from '../test-records.test-helpers.js';
import { TimestampRouter } from './timestamp-router.js';

describe('TimestampRouter', () => {
  it('appends the day by default', () => {
    const result = configured(new TimestampRouter(), {}).apply(sourceRecord({ value: 'v' }));
    expect(result.topic).toBe('orders-20231114');
    expect(result.value).toBe('v');
    expect(result.timestamp).toBe(TIMESTAMP);
  });

  it('follows topic.format and timestamp.format, keeping a sink record’s origin', () => {
    const transform = configured(new TimestampRouter(), {
      'topic.format': 'archive.${timestamp}.${topic}',
      'timestamp.format': "yyyy-MM'm'",
    });
    const result = transform.apply(sinkRecord());
    expect(result.topic).toBe('archive.2023-11m.orders');
    expect(result.originalTopic).toBe('orders');
  });

  it('needs a record timestamp', () => {
    expect(() => configured(new TimestampRouter(), {}).apply(sourceRecord({ timestamp: null }))).toThrow(
      new DataError('Timestamp missing on record: topic orders'),
    );
  });

  it('rejects a timestamp.format that is not a SimpleDateFormat pattern', () => {
    expect(() => new TimestampRouter().configure({ 'timestamp.format': 'yyyy-qq' })).toThrow(
      "Invalid value yyyy-qq for configuration timestamp.format: Illegal pattern character 'q'",
    );
  });
});
