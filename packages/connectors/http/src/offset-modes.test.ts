import { describe, expect, it } from 'vitest';
import { parseHttpSourceConfig } from './config.js';
import { parseJsonBody } from './json.js';
import { dataRecords, OffsetError, OffsetMode, PageError, type Page } from './offset-modes.js';
import { plain } from './mock-api.test-helpers.js';

const BASE = { 'topic.name.pattern': 't', url: 'http://api.example/items' };

function mode(props: Record<string, string>): OffsetMode {
  return OffsetMode.of(parseHttpSourceConfig({ ...BASE, ...props }));
}

const json = (text: string) => parseJsonBody(Buffer.from(text));

function shown(m: OffsetMode, page: Page) {
  return {
    records: page.records.map((r) => [plain(r.value), m.sourceOffset(r.position)]),
    next: m.sourceOffset(page.next),
  };
}

describe('dataRecords', () => {
  it('makes an array many records, an object or scalar one, and nothing of a missing or null value', () => {
    const pointer = parseHttpSourceConfig({
      ...BASE,
      'http.response.data.json.pointer': '/data',
    }).dataPointer;
    expect(dataRecords(json('{"data":[1,2]}'), pointer)).toEqual([1n, 2n]);
    expect(plain(dataRecords(json('{"data":{"a":1}}'), pointer))).toEqual([{ a: 1 }]);
    expect(dataRecords(json('{"data":"s"}'), pointer)).toEqual(['s']);
    expect(dataRecords(json('{"data":null}'), pointer)).toEqual([]);
    expect(dataRecords(json('{"other":1}'), pointer)).toEqual([]);
    expect(dataRecords(null, pointer)).toEqual([]);
  });
});

describe('SIMPLE_INCREMENTING', () => {
  it('counts records from http.initial.offset, by one for an object and by n for an array', () => {
    const m = mode({ 'http.initial.offset': '1000' });
    const start = m.initial();
    expect(m.template(start)).toBe('1000');
    const page = m.page(start, null, ['a', 'b', 'c']);
    expect(shown(m, page)).toEqual({
      records: [
        ['a', { offset: '1001' }],
        ['b', { offset: '1002' }],
        ['c', { offset: '1003' }],
      ],
      next: { offset: '1003' },
    });
    expect(m.template(m.page(page.next, null, [{ one: 1 }]).next)).toBe('1004');
    expect(m.page(page.next, null, []).next).toEqual(page.next);
    expect(m.template(mode({}).initial())).toBe('0');
  });

  it('restores integer offsets given as strings, numbers or bigints, and rejects others', () => {
    const m = mode({});
    expect(m.restore({ offset: '42' }).value).toBe(42n);
    expect(m.restore({ offset: 42 }).value).toBe(42n);
    expect(m.restore({ offset: 9007199254740993n }).value).toBe(9007199254740993n);
    expect(() => m.restore({ offset: 'x' })).toThrow(
      new OffsetError(`The 'offset' of a SIMPLE_INCREMENTING offset must be an integer, not "x"`),
    );
    expect(() => m.restore({ offset: 1.5 })).toThrow('must be an integer, not 1.5');
    expect(() => m.restore({ position: 1 })).toThrow(
      "Offset objects should either be null or contain the key 'offset'",
    );
    expect(() => m.restore({ offset: '1', skip: 1 })).toThrow(
      "A SIMPLE_INCREMENTING offset has only 'offset', not 'skip'",
    );
  });
});

describe('CHAINING', () => {
  const chaining = {
    'http.offset.mode': 'CHAINING',
    'http.offset.json.pointer': '/sort/0',
    'http.initial.offset': '1647948000000',
  };

  it('takes each record offset at the pointer, as a string by default, exactly for big integers', () => {
    const m = mode(chaining);
    const hits = json('[{"sort":[1647948089979]},{"sort":[9007199254740993]}]') as unknown[];
    const page = m.page(m.initial(), null, hits);
    expect(page.records.map((r) => m.sourceOffset(r.position))).toEqual([
      { offset: '1647948089979' },
      { offset: '9007199254740993' },
    ]);
    expect(m.template(page.next)).toBe('9007199254740993');
    expect(m.page(page.next, null, []).next).toBe(page.next);
  });

  it('keeps the JSON value when use.http.offset.json.pointer.as.string is false', () => {
    const m = mode({
      ...chaining,
      'http.offset.json.pointer': '/cursor',
      'use.http.offset.json.pointer.as.string': 'false',
    });
    expect(m.template(m.initial())).toBe('1647948000000');
    const page = m.page(
      m.initial(),
      null,
      json('[{"cursor":{"t":5,"id":"x"}},{"cursor":"abc"}]') as unknown[],
    );
    expect(page.records.map((r) => m.sourceOffset(r.position))).toEqual([
      { offset: { t: 5n, id: 'x' } },
      { offset: 'abc' },
    ]);
    expect(m.template(page.records[0]!.position)).toBe('{"t":5,"id":"x"}');
    expect(m.template(page.next)).toBe('"abc"');
    expect(m.restore({ offset: { a: 1 } }).value).toEqual({ a: 1 });
    expect(
      mode({
        ...chaining,
        'http.initial.offset': 'not json',
        'use.http.offset.json.pointer.as.string': 'false',
      }).initial().value,
    ).toBe('not json');
  });

  it('fails a page whose record has no offset, naming the record and the pointer', () => {
    const m = mode(chaining);
    expect(() => m.page(m.initial(), null, json('[{"sort":[1]},{"other":2}]') as unknown[])).toThrow(
      new PageError("record 2 of 2 has no value at http.offset.json.pointer '/sort/0'"),
    );
  });

  it('restores string offsets (numbers converted) and rejects other types', () => {
    const m = mode(chaining);
    expect(m.restore({ offset: 'abc' }).value).toBe('abc');
    expect(m.restore({ offset: 12 }).value).toBe('12');
    expect(() => m.restore({ offset: { a: 1 } })).toThrow(
      `The 'offset' of a CHAINING offset must be a string (use.http.offset.json.pointer.as.string is true), not {"a":1}`,
    );
  });
});

describe('CURSOR_PAGINATION', () => {
  const cursor = { 'http.offset.mode': 'CURSOR_PAGINATION', 'http.next.page.json.pointer': '/next' };

  it('gives the next page reference to the last record of a page, and the page and count to the others', () => {
    const m = mode(cursor);
    expect(m.template(m.initial())).toBe('');
    const page = m.page(m.initial(), json('{"next":"P2"}'), ['a', 'b', 'c']);
    expect(shown(m, page)).toEqual({
      records: [
        ['a', { offset: '', skip: 1 }],
        ['b', { offset: '', skip: 2 }],
        ['c', { offset: 'P2' }],
      ],
      next: { offset: 'P2' },
    });
  });

  it('re-reads a last page (no next reference) and emits only records it did not emit before', () => {
    const m = mode({ ...cursor, 'http.initial.offset': 'P1' });
    const first = m.page(m.initial(), json('{"items":[]}'), ['a', 'b']);
    expect(shown(m, first)).toEqual({
      records: [
        ['a', { offset: 'P1', skip: 1 }],
        ['b', { offset: 'P1', skip: 2 }],
      ],
      next: { offset: 'P1', skip: 2 },
    });
    expect(shown(m, m.page(first.next, json('{"next":null}'), ['a', 'b']))).toEqual({
      records: [],
      next: { offset: 'P1', skip: 2 },
    });
    const grown = m.page(first.next, json('{"next":"P2"}'), ['a', 'b', 'c']);
    expect(shown(m, grown)).toEqual({ records: [['c', { offset: 'P2' }]], next: { offset: 'P2' } });
  });

  it('leaves the offset where it is on an empty page', () => {
    const m = mode(cursor);
    const start = m.initial();
    expect(m.page(start, json('{"next":"P9"}'), [])).toEqual({ records: [], next: start });
  });

  it('fails on a next page reference seen before, and on one that is not a string', () => {
    const m = mode(cursor);
    const p2 = m.page(m.initial(), json('{"next":"P2"}'), [1]).next;
    const p3 = m.page(p2, json('{"next":"P3"}'), [2]).next;
    expect(() => m.page(p3, json('{"next":"P2"}'), [3])).toThrow(
      new PageError("pagination loop: next page token 'P2' was already requested"),
    );
    expect(() => m.page(p3, json('{"next":"P3"}'), [3])).toThrow(
      "pagination loop: next page token 'P3' was already requested",
    );
    for (const [next, kind] of [
      ['5', 'a number'],
      ['[1]', 'an array'],
      ['{"a":1}', 'an object'],
      ['true', 'a boolean'],
    ]) {
      expect(() => m.page(p3, json(`{"next":${next}}`), [3])).toThrow(
        `the next page reference at http.next.page.json.pointer '/next' must be a JSON string, not ${kind}`,
      );
    }
  });

  it('restores a page reference with an optional count, and rejects bad ones', () => {
    const m = mode(cursor);
    expect(m.restore({ offset: 'P2' })).toEqual({ value: 'P2', skip: 0 });
    expect(m.restore({ offset: 'P2', skip: 3 })).toEqual({ value: 'P2', skip: 3 });
    expect(m.restore({ offset: 'P2', skip: 3n })).toEqual({ value: 'P2', skip: 3 });
    expect(() => m.restore({ offset: 5 })).toThrow(
      "The 'offset' of a CURSOR_PAGINATION offset must be a string, not 5",
    );
    expect(() => m.restore({ offset: 'P', skip: -1 })).toThrow(
      "The 'skip' of a CURSOR_PAGINATION offset must be a non-negative integer, not -1",
    );
    expect(() => m.restore({ offset: 'P', page: 1 })).toThrow(
      "A CURSOR_PAGINATION offset has only 'offset' and 'skip', not 'page'",
    );
  });
});
