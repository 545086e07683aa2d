import { describe, expect, it } from 'vitest';
import { JsonObjectStream, JsonStreamError } from './json-stream.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const texts = (buffers: Buffer[]) => buffers.map((b) => b.toString('utf8'));

describe('JsonObjectStream', () => {
  it('splits concatenated objects, with or without whitespace between them', () => {
    const stream = new JsonObjectStream(1000);
    expect(texts(stream.push(bytes('{"a":1}{"b":2}\n {"c":{"d":[1,{"e":3}]}}\r\n')))).toEqual([
      '{"a":1}',
      '{"b":2}',
      '{"c":{"d":[1,{"e":3}]}}',
    ]);
    stream.end();
  });

  it('finds boundaries across chunks, whatever byte they split at', () => {
    const text = '{"s":"a}b{c\\"d"} {"t":"\\\\"}{"u":"é"}';
    const all = bytes(text);
    for (let cut = 1; cut < all.length; cut++) {
      const stream = new JsonObjectStream(1000);
      const got = [...texts(stream.push(all.subarray(0, cut))), ...texts(stream.push(all.subarray(cut)))];
      expect(got, `cut at ${cut}`).toEqual(['{"s":"a}b{c\\"d"}', '{"t":"\\\\"}', '{"u":"é"}']);
      stream.end();
    }
  });

  it('keeps an object that spans many chunks whole, and those that close and open within one', () => {
    const text = '{"a":"' + 'x'.repeat(40) + '"}{"b":[1,2]} {"c":"\\\\}\\""}';
    const all = bytes(text);
    for (const size of [1, 2, 3, 7, 13]) {
      const stream = new JsonObjectStream(1000);
      const got: string[] = [];
      for (let at = 0; at < all.length; at += size)
        got.push(...texts(stream.push(all.subarray(at, at + size))));
      expect(got, `chunks of ${size}`).toEqual([
        '{"a":"' + 'x'.repeat(40) + '"}',
        '{"b":[1,2]}',
        '{"c":"\\\\}\\""}',
      ]);
      stream.end();
    }
  });

  it('ends the stream at bytes that do not start an object, or an object left open', () => {
    const stream = new JsonObjectStream(1000);
    expect(() => stream.push(bytes('{"a":1} [1]'))).toThrow(/expected a JSON object, found "\["/);
    // What the chunk completed before the failure comes with it.
    let error: unknown;
    try {
      new JsonObjectStream(1000).push(bytes('{"a":1}{"b":2} x'));
    } catch (caught) {
      error = caught;
    }
    expect(texts((error as JsonStreamError).completed as Buffer[])).toEqual(['{"a":1}', '{"b":2}']);
    const open = new JsonObjectStream(1000);
    open.push(bytes('{"a":'));
    expect(() => open.end()).toThrow(/ended inside a JSON object/);
  });

  it('refuses an object larger than the limit as soon as it is', () => {
    const stream = new JsonObjectStream(10);
    expect(texts(stream.push(bytes('{"a":1}')))).toEqual(['{"a":1}']);
    let error: unknown;
    try {
      stream.push(bytes('{"a":"0123456789'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JsonStreamError);
    expect((error as JsonStreamError).tooLarge).toBe(true);
    // Over the limit only across chunks, each piece under it.
    const pieces = new JsonObjectStream(10);
    expect(pieces.push(bytes('{"a":"012'))).toEqual([]);
    expect(() => pieces.push(bytes('345'))).toThrow(JsonStreamError);
  });
});
