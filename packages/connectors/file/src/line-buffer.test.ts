import { describe, expect, it } from 'vitest';
import { LineBuffer } from './line-buffer.js';

function feed(lines: LineBuffer, bytes: Uint8Array, readSize = Infinity): void {
  let offset = 0;
  while (offset < bytes.length) {
    const room = lines.writable();
    const n = Math.min(room.length, readSize, bytes.length - offset);
    room.buffer.set(bytes.subarray(offset, offset + n), room.offset);
    lines.added(n);
    offset += n;
  }
}

function drain(lines: LineBuffer): [string, number][] {
  const out: [string, number][] = [];
  for (let line = lines.next(); line !== null; line = lines.next()) out.push([line, lines.position]);
  return out;
}

describe('LineBuffer', () => {
  it('ends lines at \\n, \\r\\n and a lone \\r, with the byte position after each', () => {
    const lines = new LineBuffer();
    feed(lines, Buffer.from('a\nbb\r\nc\rd\n\n'));
    expect(drain(lines)).toEqual([
      ['a', 2],
      ['bb', 6],
      ['c', 8],
      ['d', 10],
      ['', 11],
    ]);
  });

  it('keeps a last \\r until the next byte says whether it is \\r\\n', () => {
    const lines = new LineBuffer();
    feed(lines, Buffer.from('x\r'));
    expect(lines.next()).toBeNull();
    feed(lines, Buffer.from('\ny\r'));
    expect(drain(lines)).toEqual([['x', 3]]);
    feed(lines, Buffer.from('z'));
    expect(drain(lines)).toEqual([['y', 5]]);
    expect(lines.pending).toBe(1);
  });

  it('keeps a line without terminator until it is complete', () => {
    const lines = new LineBuffer(100);
    feed(lines, Buffer.from('partial'));
    expect(lines.next()).toBeNull();
    feed(lines, Buffer.from(' line\n'));
    expect(drain(lines)).toEqual([['partial line', 113]]);
  });

  it('decodes a multi-byte character split across reads and buffer growth', () => {
    // 4-byte buffer: every character below is cut between two reads, and lines outgrow the buffer.
    const text = 'é€😀\nñ\r\n€€€€€\n';
    const lines = new LineBuffer(0, 4);
    feed(lines, Buffer.from(text), 3);
    const out = drain(lines);
    expect(out.map(([line]) => line)).toEqual(['é€😀', 'ñ', '€€€€€']);
    expect(out.at(-1)?.[1]).toBe(Buffer.byteLength(text));
  });

  it('finds line ends in data read after an earlier search found none', () => {
    const lines = new LineBuffer(0, 8);
    const out: [string, number][] = [];
    for (const piece of ['ab', 'cd', 'e\r', '\nf', 'g\n']) {
      feed(lines, Buffer.from(piece));
      out.push(...drain(lines));
    }
    expect(out).toEqual([
      ['abcde', 7],
      ['fg', 10],
    ]);
  });
});
