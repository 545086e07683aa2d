import { describe, expect, it } from 'vitest';
import { configured, sourceRecord } from '../test-records.test-helpers.js';
import { RegexRouter } from './regex-router.js';

describe('RegexRouter', () => {
  const route = (regex: string, replacement: string, topic: string) =>
    configured(new RegexRouter(), { regex, replacement }).apply(sourceRecord({ topic })).topic;

  it('renames topics the regex matches in full, with Java replacement syntax', () => {
    expect(route('(.*)-raw', '$1', 'orders-raw')).toBe('orders');
    expect(route('(?<env>[a-z]+)\\.(.*)', 'mirror.$2.${env}', 'prod.orders')).toBe('mirror.orders.prod');
    expect(route('orders', 'orders-v2', 'orders')).toBe('orders-v2');
  });

  it('leaves other topics alone, including ones matched only in part', () => {
    const record = sourceRecord({ topic: 'orders-raw-old' });
    expect(configured(new RegexRouter(), { regex: '(.*)-raw', replacement: '$1' }).apply(record)).toBe(
      record,
    );
  });

  it('rejects a regex that does not compile and a replacement naming a missing group', () => {
    expect(() => new RegexRouter().configure({ regex: '(oops', replacement: 'x' })).toThrow(
      /^Invalid value \(oops for configuration regex: Invalid regex: /,
    );
    expect(() => new RegexRouter().configure({ regex: '(a)', replacement: '$2' })).toThrow(
      'Invalid value $2 for configuration replacement: No group 2',
    );
    expect(() => new RegexRouter().configure({ regex: 'a' })).toThrow(
      'Missing required configuration "replacement"',
    );
  });
});
