import { describe, expect, it } from 'vitest';
import { configured, sourceRecord } from '../test-records.test-helpers.js';
import { TopicNameMatches } from './topic-name-matches.js';

describe('TopicNameMatches', () => {
  it('matches the whole topic name, as Java’s Pattern.matches', () => {
    const predicate = configured(new TopicNameMatches(), { pattern: 'orders-.*' });
    expect(predicate.test(sourceRecord({ topic: 'orders-eu' }))).toBe(true);
    expect(predicate.test(sourceRecord({ topic: 'old-orders-eu' }))).toBe(false);
    expect(
      configured(new TopicNameMatches(), { pattern: 'orders' }).test(sourceRecord({ topic: 'orders-eu' })),
    ).toBe(false);
    expect(
      configured(new TopicNameMatches(), { pattern: '(?i)ORDERS' }).test(sourceRecord({ topic: 'orders' })),
    ).toBe(true);
  });

  it('requires a non-empty pattern that compiles', () => {
    expect(() => new TopicNameMatches().configure({})).toThrow('Missing required configuration "pattern"');
    expect(() => new TopicNameMatches().configure({ pattern: '' })).toThrow(
      'Invalid value  for configuration pattern: String must be non-empty',
    );
    expect(() => new TopicNameMatches().configure({ pattern: '[a-' })).toThrow(
      /^Invalid value \[a- for configuration pattern: entry must be a Java-compatible regular expression: /,
    );
  });
});
