import { describe, expect, it } from 'vitest';
import { encodePathSegment } from './responses.js';

describe('encodePathSegment', () => {
  it('encodes what a path segment may not hold, in UTF-8, and keeps what it may and %XX escapes', () => {
    expect(encodePathSegment('my-connector_1.0~x')).toBe('my-connector_1.0~x');
    expect(encodePathSegment("a:b@c!$&'()*+,;=")).toBe("a:b@c!$&'()*+,;=");
    expect(encodePathSegment('a b?#[]{}"')).toBe('a%20b%3F%23%5B%5D%7B%7D%22');
    expect(encodePathSegment('é€𝄞')).toBe('%C3%A9%E2%82%AC%F0%9D%84%9E');
    expect(encodePathSegment('100% done %41')).toBe('100%25%20done%20%41');
  });
});
