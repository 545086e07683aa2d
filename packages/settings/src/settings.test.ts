import { describe, expect, it } from 'vitest';
import { ConfigError } from '@sluice/errors';
import { bool, int, list, oneOf, text } from './index.js';

describe('setting parsers', () => {
  it('trims text and splits lists, dropping empty items', () => {
    expect(text('  a b ', 'k')).toBe('a b');
    expect(list(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
    expect(list('  ')).toEqual([]);
  });

  it('takes integers within bounds and names the key when refusing', () => {
    expect(int(1, 10)(' 7 ', 'k')).toBe(7);
    for (const bad of ['', '0', '11', '1.5', 'x']) {
      expect(() => int(1, 10)(bad, 'session.timeout.ms')).toThrow(
        `session.timeout.ms must be an integer from 1 to 10, got '${bad}'`,
      );
    }
    expect(() => int(0)('-1', 'k')).toThrow(ConfigError);
  });

  it('takes booleans and listed words in any case', () => {
    expect(bool(' TRUE ', 'k')).toBe(true);
    expect(bool('false', 'k')).toBe(false);
    expect(() => bool('yes', 'auto.commit')).toThrow("auto.commit must be true or false, got 'yes'");
    expect(oneOf('earliest', 'latest')('Latest', 'k')).toBe('latest');
    expect(() => oneOf('earliest', 'latest')('none', 'auto.offset.reset')).toThrow(
      "auto.offset.reset must be one of earliest, latest, got 'none'",
    );
  });
});
