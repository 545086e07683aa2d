import { describe, expect, it } from 'vitest';
import {
  inexactNumber,
  invalidUtf8At,
  JsonTextError,
  MAX_JSON_DEPTH,
  numberText,
  parseJsonText,
} from './json.js';

describe('parseJsonText', () => {
  it('reads what JSON.parse reads, into plain values', () => {
    const text =
      '{"a": [1, -2.5e3, true, false, null, "x\\"\\u00e9\\ud834\\udd1e\\n"], "b": {}, "c": [], "a2": 0}';
    expect(parseJsonText(text)).toEqual(JSON.parse(text));
    expect(parseJsonText(' "top" ')).toBe('top');
    expect(parseJsonText('{"k": 1, "k": 2}')).toEqual({ k: 2 });
  });

  it.each([
    ['{"a": 1', /unexpected end of the JSON text|expected ',' or '}'/],
    ['{"a": 01}', /expected ',' or '}' at position 7/],
    ["{'a': 1}", /expected a double-quoted key at position 1/],
    ['[1,]', /unexpected character "]" at position 3/],
    ['"tab\there"', /unescaped control character/],
    ['"\\x"', /invalid escape/],
    ['"\\u12G4"', /invalid \\u escape/],
    ['{} {}', /unexpected content after the JSON value at position 3/],
    ['NaN', /unexpected character "N"/],
  ])('refuses %s as not JSON', (text, message) => {
    let thrown: unknown;
    try {
      parseJsonText(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JsonTextError);
    expect((thrown as JsonTextError).syntax).toBe(true);
    expect((thrown as Error).message).toMatch(message);
  });

  it('refuses nesting past the bound, a __proto__ key and half a surrogate pair, naming where', () => {
    const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    expect(() => parseJsonText(deep(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => parseJsonText(deep(3000))).toThrow(
      new JsonTextError(
        `it nests deeper than ${MAX_JSON_DEPTH} levels (position ${5 * MAX_JSON_DEPTH})`,
        false,
      ),
    );
    expect(() => parseJsonText('[[[1]]]', 2)).toThrow(/nests deeper than 2 levels/);
    expect(() => parseJsonText('{"config": {"__proto__": "x"}}')).toThrow(
      /the key "__proto__" at \.config is not accepted/,
    );
    expect(() => parseJsonText('{"config": {"k": "a\\ud800b"}}')).toThrow(
      /half of a surrogate pair \(\\uD800\) in a string at \.config\.k/,
    );
    expect(() => parseJsonText('"\\udc00"')).toThrow(/\\uDC00/);
  });

  it('remembers the text of numbers whose value prints otherwise, and which a double does not hold', () => {
    const parsed = parseJsonText(
      '{"big": 99999999999999999999, "one": 1.0, "exp": 1e3, "plain": 42, "neg": -0, "list": [1.50, 7], "huge": 1e400}',
    ) as Record<string, unknown>;
    expect(numberText(parsed, 'big')).toBe('99999999999999999999');
    expect(numberText(parsed, 'one')).toBe('1.0');
    expect(numberText(parsed, 'exp')).toBe('1e3');
    expect(numberText(parsed, 'neg')).toBe('-0');
    expect(numberText(parsed, 'plain')).toBeUndefined();
    expect(numberText(parsed['list'] as object, 0)).toBe('1.50');
    expect(numberText(parsed['list'] as object, 1)).toBeUndefined();
    expect(inexactNumber(parsed)).toEqual({ path: '.big', text: '99999999999999999999' });
    expect(inexactNumber(parseJsonText('{"a": {"b": [1, 1e400]}}'), 'x')).toEqual({
      path: 'x.a.b[1]',
      text: '1e400',
    });
    expect(inexactNumber(parseJsonText('{"a": 9007199254740991, "b": 1.5e300, "c": 0.1}'))).toBeUndefined();
  });
});

describe('invalidUtf8At', () => {
  it('finds the first byte that does not start a well-formed UTF-8 sequence', () => {
    expect(invalidUtf8At(Buffer.from('plain é € 𝄞', 'utf8'))).toBe(-1);
    expect(invalidUtf8At(Buffer.from([0x61, 0xff, 0x62]))).toBe(1);
    // Overlong '/', a surrogate, past U+10FFFF, a truncated sequence, a stray continuation byte.
    expect(invalidUtf8At(Buffer.from([0xc0, 0xaf]))).toBe(0);
    expect(invalidUtf8At(Buffer.from([0x20, 0xed, 0xa0, 0x80]))).toBe(1);
    expect(invalidUtf8At(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
    expect(invalidUtf8At(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1);
    expect(invalidUtf8At(Buffer.from([0x80]))).toBe(0);
  });
});
