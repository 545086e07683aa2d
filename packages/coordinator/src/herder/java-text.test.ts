import { describe, expect, it } from 'vitest';
import { hashMapOrder, javaHashMapString, javaString, stringHashCode } from './java-text.js';

// Expected values printed by a JVM: `new HashMap<>(map).toString()` sized as JDK 21 sizes the copy.
describe('javaHashMapString', () => {
  it('prints a config in the iteration order of the HashMap Connect copies it into', () => {
    expect(
      javaHashMapString({
        'connector.class': 'FileStreamSource',
        'tasks.max': '1',
        file: '/tmp/in.txt',
        topic: 'lines',
        name: 'src',
      }),
    ).toBe('{connector.class=FileStreamSource, name=src, topic=lines, file=/tmp/in.txt, tasks.max=1}');
    // Three keys: a table of four, where JDK 17 would size eight.
    expect(javaHashMapString({ topics: 't', name: 'v', file: 'f' })).toBe('{name=v, topics=t, file=f}');
    expect(
      javaHashMapString({
        k: '1',
        transforms: 'a,b',
        'errors.tolerance': null,
        'batch.size': '10',
        'key.converter': 'x',
        'value.converter': 'y',
      }),
    ).toBe('{transforms=a,b, errors.tolerance=null, k=1, value.converter=y, key.converter=x, batch.size=10}');
    expect(javaHashMapString({})).toBe('{}');
  });

  it('keeps colliding keys in insertion order and doubles a small table when a bin outgrows eight', () => {
    // "Aa" and "BB" share a hash, so every 8-character mix of them does: nine in one bin of a 16-table.
    const colliding = ['AaAaAaAa', 'BBAaAaAa', 'AaBBAaAa', 'BBBBAaAa', 'AaAaBBAa', 'BBAaBBAa', 'AaBBBBAa'];
    const entries = [...colliding, 'BBBBBBAa', 'AaAaAaBB'].map((key, i) => [key, `c${i}`] as const);
    const withOthers = [...entries, ...['o0', 'o1', 'o2'].map((key) => [key, 'o'] as const)];
    expect(hashMapOrder(withOthers).map(([key]) => key)).toEqual([
      'o0',
      'o1',
      'o2',
      ...entries.map(([key]) => key),
    ]);
  });

  it("hashes as Java's String.hashCode, over UTF-16 code units", () => {
    expect(stringHashCode('AaAa')).toBe(2031744);
    expect(stringHashCode('connector.class')).toBe(-862495593);
    expect(stringHashCode('é€𝄞')).toBe(16751501);
  });
});

describe('javaString', () => {
  it('prints JSON values as String.valueOf prints what Jackson made of them', () => {
    expect(javaString('x')).toBe('x');
    expect(javaString(1.5)).toBe('1.5');
    expect(javaString(true)).toBe('true');
    expect(javaString(null)).toBe('null');
    expect(javaString({ a: 1, b: [1, 'two', null] })).toBe('{a=1, b=[1, two, null]}');
  });
});
