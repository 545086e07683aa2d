import { describe, expect, it } from 'vitest';
import { DeliveryReports, instantText } from './delivery-reports.js';
import type { PreparedRecord } from './record-reader.js';

/** The reports as text. */
function text(
  reports: DeliveryReports,
  records: PreparedRecord[],
  positions: Array<{ partition: number; offset: number }>,
): string {
  return reports.bytes(records, positions).toString('utf8');
}

function record(fields: Partial<PreparedRecord>): PreparedRecord {
  return {
    key: null,
    value: null,
    timestamp: Date.UTC(2024, 0, 2, 3, 4, 5),
    headers: undefined,
    partition: undefined,
    keyType: undefined,
    valueType: undefined,
    ...fields,
  };
}

describe('DeliveryReports', () => {
  it('writes one report per record, in order, in the shape and member order of Confluent', () => {
    const reports = new DeliveryReports('cluster-1', 'topic.a');
    const records = [
      record({ value: Buffer.alloc(100), valueType: 'BINARY' }),
      record({ value: Buffer.alloc(100), valueType: 'BINARY' }),
      record({ value: Buffer.alloc(3), valueType: 'BINARY' }),
      record({ key: Buffer.from('k'), keyType: 'STRING', value: Buffer.from('{"a":1}'), valueType: 'JSON' }),
      record({ timestamp: Date.UTC(2024, 0, 2, 3, 4, 5, 678), keyType: 'BINARY', valueType: 'STRING' }),
      record({}),
    ];
    const positions = records.map((_, index) => ({ partition: index % 2, offset: 1000 + index }));
    const all = text(reports, records, positions);
    expect(all.endsWith('\r\n')).toBe(true);
    const lines = all.split('\r\n').slice(0, -1);
    expect(lines[0]).toBe(
      '{"error_code":200,"cluster_id":"cluster-1","topic_name":"topic.a","partition_id":0,"offset":1000,' +
        '"timestamp":"2024-01-02T03:04:05Z","value":{"type":"BINARY","size":100}}',
    );
    const base = { error_code: 200, cluster_id: 'cluster-1', topic_name: 'topic.a' };
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        ...base,
        partition_id: 0,
        offset: 1000,
        timestamp: '2024-01-02T03:04:05Z',
        value: { type: 'BINARY', size: 100 },
      },
      {
        ...base,
        partition_id: 1,
        offset: 1001,
        timestamp: '2024-01-02T03:04:05Z',
        value: { type: 'BINARY', size: 100 },
      },
      {
        ...base,
        partition_id: 0,
        offset: 1002,
        timestamp: '2024-01-02T03:04:05Z',
        value: { type: 'BINARY', size: 3 },
      },
      {
        ...base,
        partition_id: 1,
        offset: 1003,
        timestamp: '2024-01-02T03:04:05Z',
        key: { type: 'STRING', size: 1 },
        value: { type: 'JSON', size: 7 },
      },
      {
        ...base,
        partition_id: 0,
        offset: 1004,
        timestamp: '2024-01-02T03:04:05.678Z',
        key: { type: 'BINARY', size: 0 },
        value: { type: 'STRING', size: 0 },
      },
      { ...base, partition_id: 1, offset: 1005, timestamp: '2024-01-02T03:04:05Z' },
    ]);
    // Member order as Confluent's report: key before value, both after the timestamp.
    expect(lines[3]).toMatch(/"offset":1003,"timestamp":"[^"]+","key":\{[^}]+\},"value":\{[^}]+\}\}$/);
  });

  it('tells apart reports that differ only after the offset, across calls too', () => {
    const reports = new DeliveryReports('c', 't');
    const at = (ms: number, size: number) =>
      record({ timestamp: ms, value: Buffer.alloc(size), valueType: 'BINARY' });
    const first = text(reports, [at(1000, 1)], [{ partition: 0, offset: 0 }]);
    const second = text(
      reports,
      [at(1001, 1), at(1001, 2)],
      [
        { partition: 0, offset: 1 },
        { partition: 0, offset: 2 },
      ],
    );
    expect(first).toContain('"timestamp":"1970-01-01T00:00:01Z","value":{"type":"BINARY","size":1}}');
    expect(second.split('\r\n')[0]).toContain(
      '"timestamp":"1970-01-01T00:00:01.001Z","value":{"type":"BINARY","size":1}}',
    );
    expect(second.split('\r\n')[1]).toContain('"value":{"type":"BINARY","size":2}}');
    expect(text(reports, [], [])).toBe('');
  });

  it('escapes the cluster id and topic name as JSON', () => {
    const one = text(new DeliveryReports('a"b', 't\\u'), [record({})], [{ partition: 0, offset: 0 }]);
    expect(JSON.parse(one.trim())).toMatchObject({ cluster_id: 'a"b', topic_name: 't\\u' });
  });

  it('writes every number whole, however many digits, and as many reports as fit in no estimate', () => {
    const reports = new DeliveryReports('c', 't');
    const offsets = [0, 9, 10, 99, 100, 123_456_789, 2 ** 31, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
    const records = offsets.map((_, index) =>
      // Tails of growing length, longer than the first, so that the batch outgrows its first estimate.
      record({ key: Buffer.alloc(index * 1000), keyType: 'BINARY', value: null, valueType: 'STRING' }),
    );
    const positions = offsets.map((offset, index) => ({ partition: index * 1111, offset }));
    const parsed = text(reports, records, positions)
      .split('\r\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line) as { partition_id: number; offset: number; key: { size: number } });
    expect(parsed.map((r) => r.offset)).toEqual(offsets);
    expect(parsed.map((r) => r.partition_id)).toEqual(offsets.map((_, index) => index * 1111));
    expect(parsed.map((r) => r.key.size)).toEqual(offsets.map((_, index) => index * 1000));
    const many = Array.from({ length: 5000 }, () => record({ value: Buffer.alloc(1), valueType: 'BINARY' }));
    const lines = text(
      reports,
      many,
      many.map((_, index) => ({ partition: 0, offset: 10 ** 15 + index })),
    ).split('\r\n');
    expect(lines).toHaveLength(5001);
    expect(JSON.parse(lines[4999]!)).toMatchObject({ offset: 10 ** 15 + 4999, value: { size: 1 } });
  });

  it('writes instants as Jackson does: the fraction only when it is not zero', () => {
    expect(instantText(Date.UTC(2021, 1, 5, 19, 14, 42))).toBe('2021-02-05T19:14:42Z');
    expect(instantText(Date.UTC(2021, 1, 5, 19, 14, 42, 5))).toBe('2021-02-05T19:14:42.005Z');
  });
});
