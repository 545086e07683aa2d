import { describe, expect, it } from 'vitest';
import { parseJsonBody } from './json.js';
import { JsonPointer } from './json-pointer.js';

// The example document of RFC 6901 §5.
const RFC_TEXT =
  '{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\\\j":5,"k\\"l":6," ":7,"m~n":8}';
const RFC_CASES: [string, unknown][] = [
  ['/foo', ['bar', 'baz']],
  ['/foo/0', 'bar'],
  ['/', 0],
  ['/a~1b', 1],
  ['/c%d', 2],
  ['/e^f', 3],
  ['/g|h', 4],
  ['/i\\j', 5],
  ['/k"l', 6],
  ['/ ', 7],
  ['/m~0n', 8],
];

describe('JsonPointer', () => {
  it('evaluates every example of RFC 6901 on JsonConverter data (Maps) and on plain objects', () => {
    const asMaps = parseJsonBody(Buffer.from(RFC_TEXT));
    const asObjects = JSON.parse(RFC_TEXT) as unknown;
    expect(JsonPointer.parse('').get(asMaps)).toBe(asMaps);
    for (const [pointer, expected] of RFC_CASES) {
      const fromMaps = JsonPointer.parse(pointer).get(asMaps);
      expect(typeof fromMaps === 'bigint' ? Number(fromMaps) : fromMaps, pointer).toEqual(expected);
      expect(JsonPointer.parse(pointer).get(asObjects), pointer).toEqual(expected);
    }
  });

  it('decodes ~1 before ~0, so ~01 is the member ~1', () => {
    expect(JsonPointer.parse('/~01').tokens).toEqual(['~1']);
    expect(JsonPointer.parse('/a~1b~0c/~0~1').tokens).toEqual(['a/b~c', '~/']);
    expect(JsonPointer.parse('/~01').get({ '~1': 'x', '/': 'y' })).toBe('x');
  });

  it('gives undefined for what is not there, and reads array indexes strictly', () => {
    const doc = { list: [10, 20], nested: { a: null } };
    expect(JsonPointer.parse('/missing').get(doc)).toBeUndefined();
    expect(JsonPointer.parse('/list/2').get(doc)).toBeUndefined();
    expect(JsonPointer.parse('/list/-').get(doc)).toBeUndefined();
    expect(JsonPointer.parse('/list/01').get(doc)).toBeUndefined();
    expect(JsonPointer.parse('/list/1').get(doc)).toBe(20);
    expect(JsonPointer.parse('/nested/a').get(doc)).toBeNull();
    expect(JsonPointer.parse('/nested/a/b').get(doc)).toBeUndefined();
    expect(JsonPointer.parse('/list/0/x').get(doc)).toBeUndefined();
    expect(JsonPointer.parse('/toString').get(doc)).toBeUndefined();
  });

  it('rejects pointers that do not start with / and bad escapes', () => {
    expect(() => JsonPointer.parse('foo')).toThrow("JSON pointer 'foo' must be empty or start with '/'");
    expect(() => JsonPointer.parse('/a~2')).toThrow("JSON pointer '/a~2' has '~' not followed by 0 or 1");
    expect(() => JsonPointer.parse('/a~')).toThrow("has '~' not followed by 0 or 1");
  });
});
