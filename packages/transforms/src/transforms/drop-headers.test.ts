import { describe, expect, it } from 'vitest';
import { configured, sourceRecord } from '../test-records.test-helpers.js';
import { DropHeaders } from './drop-headers.js';

describe('DropHeaders', () => {
  it('removes every header with a listed name', () => {
    const record = sourceRecord();
    record.headers.addString('a', '1').addString('b', '2').addString('a', '3').addString('c', '4');
    const result = configured(new DropHeaders(), { headers: 'a,c' }).apply(record);
    expect([...result.headers].map((h) => [h.key, h.value])).toEqual([['b', '2']]);
    expect(record.headers.size).toBe(4);
  });

  it('requires at least one header name', () => {
    expect(() => new DropHeaders().configure({ headers: '' })).toThrow(
      'Invalid value [] for configuration headers: Empty list',
    );
  });
});
