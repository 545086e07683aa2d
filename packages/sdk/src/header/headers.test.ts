import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { Schema } from '../data/schema.js';
import { ConnectHeader, ConnectHeaders } from './headers.js';

describe('ConnectHeaders', () => {
  it('keeps order and duplicate keys', () => {
    const headers = new ConnectHeaders()
      .addString('a', '1')
      .addInt32('b', 2)
      .addString('a', '3')
      .add('c', null, { any: 1 });
    expect([...headers].map((h) => [h.key, h.schema?.type ?? null, h.value])).toEqual([
      ['a', 'STRING', '1'],
      ['b', 'INT32', 2],
      ['a', 'STRING', '3'],
      ['c', null, { any: 1 }],
    ]);
    expect(headers.allWithName('a').map((h) => h.value)).toEqual(['1', '3']);
    expect(headers.lastWithName('a')?.value).toBe('3');
    expect(headers.lastWithName('zzz')).toBeNull();
    expect(headers.size).toBe(4);
  });

  it('validates values against their schema', () => {
    expect(() => new ConnectHeaders().add('n', Schema.INT64_SCHEMA, 1)).toThrow(DataError);
    expect(() => new ConnectHeaders().addInt8('n', 1000)).toThrow('for field: "n"');
  });

  it('removes, keeps the latest, transforms and copies', () => {
    const headers = new ConnectHeaders()
      .addString('a', '1')
      .addString('b', '2')
      .addString('a', '3')
      .addString('b', '4');
    const copy = headers.duplicate();
    headers.retainLatest('a');
    expect([...headers].map((h) => h.value)).toEqual(['2', '3', '4']);
    headers.retainLatest();
    expect([...headers].map((h) => h.value)).toEqual(['3', '4']);
    headers.remove('a');
    expect([...headers].map((h) => h.key)).toEqual(['b']);
    copy.apply((h) => (h.key === 'a' ? null : h.rename('B')));
    expect([...copy].map((h) => [h.key, h.value])).toEqual([
      ['B', '2'],
      ['B', '4'],
    ]);
    expect(new ConnectHeader('k', null, 1).with(Schema.STRING_SCHEMA, 'x')).toEqual(
      new ConnectHeader('k', Schema.STRING_SCHEMA, 'x'),
    );
    expect(copy.clear().isEmpty()).toBe(true);
  });
});
