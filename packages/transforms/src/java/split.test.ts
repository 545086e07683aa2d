import { describe, expect, it } from 'vitest';
import { splitLikeJava } from './split.js';

describe('splitLikeJava', () => {
  it("drops trailing empty strings as Java's String.split does", () => {
    expect(splitLikeJava('a:b', ':')).toEqual(['a', 'b']);
    expect(splitLikeJava('a:b:', ':')).toEqual(['a', 'b']);
    expect(splitLikeJava(':b', ':')).toEqual(['', 'b']);
    expect(splitLikeJava('a::', ':')).toEqual(['a']);
    expect(splitLikeJava(':', ':')).toEqual([]);
    expect(splitLikeJava('', ':')).toEqual(['']);
  });
});
