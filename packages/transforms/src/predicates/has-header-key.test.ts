import { describe, expect, it } from 'vitest';
import { configured, sourceRecord } from '../test-records.test-helpers.js';
import { HasHeaderKey } from './has-header-key.js';

describe('HasHeaderKey', () => {
  it('is true when a header of that name exists, whatever its value', () => {
    const predicate = configured(new HasHeaderKey(), { name: 'trace' });
    const record = sourceRecord();
    expect(predicate.test(record)).toBe(false);
    record.headers.addString('other', 'x');
    expect(predicate.test(record)).toBe(false);
    record.headers.addString('trace', null);
    expect(predicate.test(record)).toBe(true);
  });

  it('requires a non-empty name', () => {
    expect(() => new HasHeaderKey().configure({ name: '' })).toThrow('String must be non-empty');
    expect(() => new HasHeaderKey().configure({})).toThrow('Missing required configuration "name"');
  });
});
