import { describe, expect, it } from 'vitest';
import { configured, sinkRecord } from '../test-records.test-helpers.js';
import { RecordIsTombstone } from './record-is-tombstone.js';

describe('RecordIsTombstone', () => {
  it('is true only for a null value', () => {
    const predicate = configured(new RecordIsTombstone(), {});
    expect(predicate.test(sinkRecord({ key: 'k', value: null }))).toBe(true);
    expect(predicate.test(sinkRecord({ value: '' }))).toBe(false);
    expect(predicate.test(sinkRecord({ value: 0 }))).toBe(false);
  });
});
