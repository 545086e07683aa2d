import { describe, expect, it } from 'vitest';
import { DeliveryReports, instantText } from './delivery-reports.js';
import type { PreparedRecord } from './record-reader.js';

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
    const text = reports.text(records, positions);
    expect(text.endsWith('\r\n')).toBe(true);
    const lines = text.split('\r\n').slice(0, -1);
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
    const first = reports.text([at(1000, 1)], [{ partition: 0, offset: 0 }]);
    const second = reports.text(
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
    expect(reports.text([], [])).toBe('');
  });

  it('escapes the cluster id and topic name as JSON', () => {
    const text = new DeliveryReports('a"b', 't\\u').text([record({})], [{ partition: 0, offset: 0 }]);
    expect(JSON.parse(text.trim())).toMatchObject({ cluster_id: 'a"b', topic_name: 't\\u' });
  });

  it('writes instants as Jackson does: the fraction only when it is not zero', () => {
    expect(instantText(Date.UTC(2021, 1, 5, 19, 14, 42))).toBe('2021-02-05T19:14:42Z');
    expect(instantText(Date.UTC(2021, 1, 5, 19, 14, 42, 5))).toBe('2021-02-05T19:14:42.005Z');
  });
});
