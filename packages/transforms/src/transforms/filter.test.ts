import { describe, expect, it } from 'vitest';
import { configured, sinkRecord, sourceRecord } from '../test-records.test-helpers.js';
import { Filter } from './filter.js';

describe('Filter', () => {
  it('drops every record', () => {
    const filter = configured(new Filter(), {});
    expect(filter.apply(sourceRecord({ value: 'v' }))).toBeNull();
    expect(filter.apply(sinkRecord())).toBeNull();
    expect(filter.config().names()).toEqual([]);
  });
});
