import { describe, expect, it } from 'vitest';
import { JavaPattern, JavaReplacement } from './regex.js';

describe('JavaPattern', () => {
  it('matches the whole text, or finds a part of it', () => {
    const pattern = new JavaPattern('orders|payments');
    expect(pattern.matches('orders')).toBe(true);
    expect(pattern.matches('orders-eu')).toBe(false);
    expect(pattern.find('eu-payments')?.index).toBe(3);
  });

  it('counts groups and knows group names', () => {
    const pattern = new JavaPattern('(?<region>[a-z]+)-(\\d+)(?:-x)?');
    expect(pattern.groupCount).toBe(2);
    expect([...pattern.groupNames]).toEqual(['region']);
  });

  it('turns leading inline flags into JavaScript flags', () => {
    expect(new JavaPattern('(?i)ORDERS').matches('orders')).toBe(true);
    expect(new JavaPattern('(?iu)ORDERS').matches('Orders')).toBe(true);
    expect(() => new JavaPattern('(?x)a b')).toThrow("Unsupported inline flag 'x'");
  });

  it('rejects patterns that do not compile', () => {
    expect(() => new JavaPattern('(unclosed')).toThrow(SyntaxError);
  });
});

describe('JavaReplacement', () => {
  const replace = (regex: string, replacement: string, text: string) => {
    const pattern = new JavaPattern(regex);
    return new JavaReplacement(replacement, pattern).replaceFirst(pattern, text);
  };

  it('inserts numbered and named groups, and nothing for a group that did not match', () => {
    expect(replace('(.*)-raw', 'clean-$1', 'orders-raw')).toBe('clean-orders');
    expect(replace('(?<name>.*)-raw', '${name}_v2', 'orders-raw')).toBe('orders_v2');
    expect(replace('(a)|(b)', '[$1$2]', 'b')).toBe('[b]');
  });

  it('reads $12 as group 12 only when there is one', () => {
    expect(replace('(a)', '$12', 'a')).toBe('a2');
    expect(replace('(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)', '$12', 'abcdefghijkl')).toBe('l');
  });

  it('quotes the character after a backslash', () => {
    expect(replace('(.*)', '\\$1-\\\\', 'x')).toBe('$1-\\');
  });

  it('replaces only the first match', () => {
    expect(replace('o', '0', 'foo')).toBe('f0o');
  });

  it('rejects references Java would reject', () => {
    const pattern = new JavaPattern('(a)');
    expect(() => new JavaReplacement('$2', pattern)).toThrow('No group 2');
    expect(() => new JavaReplacement('${nope}', pattern)).toThrow('No group with name {nope}');
    expect(() => new JavaReplacement('$', pattern)).toThrow('group index is missing');
    expect(() => new JavaReplacement('$x', pattern)).toThrow('Illegal group reference');
    expect(() => new JavaReplacement('\\', pattern)).toThrow('character to be escaped is missing');
    expect(() => new JavaReplacement('${a', pattern)).toThrow("missing trailing '}'");
  });
});
