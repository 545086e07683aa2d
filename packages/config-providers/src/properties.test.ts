import { describe, expect, it } from 'vitest';
import { parseProperties } from './properties.js';

const parse = (...lines: string[]): Record<string, string> =>
  Object.fromEntries(parseProperties(lines.join('\n')));

describe('parseProperties', () => {
  it('splits key and value at =, : or blanks, with at most one separator among the blanks', () => {
    expect(
      parse('a=1', 'b:2', 'c 3', 'd = 4', 'e\t:\t5', 'f\f6', 'g==7', 'h = : 8', 'i', 'j=', 'k   '),
    ).toEqual({ a: '1', b: '2', c: '3', d: '4', e: '5', f: '6', g: '=7', h: ': 8', i: '', j: '', k: '' });
  });

  it('drops leading blanks and keeps trailing ones in values', () => {
    expect(parse('   key = value  \t')).toEqual({ key: 'value  \t' });
  });

  it('skips blank lines and # or ! comments, even indented', () => {
    expect(parse('# a=1', '', '  \t', '  ! b=2', 'c=3 # not a comment')).toEqual({ c: '3 # not a comment' });
  });

  it('continues a line that ends in an odd number of backslashes, dropping the next line’s leading blanks', () => {
    expect(parse('list=a,\\', '     b,\\', '\t# c', 'next=1')).toEqual({ list: 'a,b,# c', next: '1' });
    expect(parse('dir=C:\\\\', 'next=1')).toEqual({ dir: 'C:\\', next: '1' });
    expect(parse('odd=x\\\\\\', 'y')).toEqual({ odd: 'x\\y' });
  });

  it('does not continue a comment, and reads a comment or blank line where a continuation left nothing', () => {
    expect(parse('# comment \\', 'a=1')).toEqual({ a: '1' });
    expect(parse('\\', '# comment', 'a=1')).toEqual({ a: '1' });
    expect(parse('\\', '\\', '', '#c', 'x')).toEqual({ x: '' });
    expect(parse('k=\\', '  \\', '  v')).toEqual({ k: 'v' });
  });

  it('drops a backslash at the very end of the input, keeping Java’s empty key when nothing else is left', () => {
    expect(Object.fromEntries(parseProperties('a=1\\'))).toEqual({ a: '1' });
    expect(Object.fromEntries(parseProperties('a=1\\\n'))).toEqual({ a: '1' });
    expect(Object.fromEntries(parseProperties('a=1\n\\'))).toEqual({ a: '1', '': '' });
    expect(Object.fromEntries(parseProperties('a=1\n\\\r\n'))).toEqual({ a: '1' });
  });

  it('reads \\n, \\r\\n and \\r line ends', () => {
    expect(Object.fromEntries(parseProperties('a=1\r\nb=2\rc=3\n'))).toEqual({ a: '1', b: '2', c: '3' });
    expect(Object.fromEntries(parseProperties('a=x\\\r\n  y'))).toEqual({ a: 'xy' });
  });

  it('unescapes keys and values', () => {
    expect(
      parse(
        'tab=\\t|\\n|\\r|\\f',
        'unicode=\\u0041\\u00e9\\uD83D\\uDE00',
        'other=\\q\\\\\\#',
        'key\\ with\\:separators\\==value',
        '\\#not-a-comment=1',
      ),
    ).toEqual({
      tab: '\t|\n|\r|\f',
      unicode: 'Aé😀',
      other: 'q\\#',
      'key with:separators=': 'value',
      '#not-a-comment': '1',
    });
  });

  it('refuses a \\u escape without four hex digits, as Java does', () => {
    expect(() => parseProperties('a=\\u12')).toThrow(/malformed \\uxxxx/);
    expect(() => parseProperties('a=\\u12G4')).toThrow(
      expect.objectContaining({ code: 'SLUICE_PROPERTIES_MALFORMED' }),
    );
  });

  it('lets a later key replace an earlier one', () => {
    expect(parse('a=1', 'a=2')).toEqual({ a: '2' });
  });
});
