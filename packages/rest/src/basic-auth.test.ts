import { describe, expect, it } from 'vitest';
import { basicCredentials, jaasLogin, type LoginFlag } from './basic-auth.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('basicCredentials', () => {
  it("reads the header as Connect's JaasBasicAuthFilter does", () => {
    expect(basicCredentials(`Basic ${b64('alice:pa:ss')}`)).toEqual({ user: 'alice', password: 'pa:ss' });
    expect(basicCredentials(`BASIC ${b64('é:ü')}`)).toEqual({ user: 'é', password: 'ü' });
    expect(basicCredentials(`Basic ${b64('alice:')}`)).toEqual({ user: 'alice', password: '' });
    // No credentials: no header, no space, another scheme, no colon, an empty user, not Base64.
    for (const header of [
      undefined,
      'Basic',
      ' Basic x',
      `Bearer ${b64('a:b')}`,
      `Basic ${b64('alice')}`,
      `Basic ${b64(':pw')}`,
      'Basic a$b=',
    ]) {
      expect(basicCredentials(header), String(header)).toBeUndefined();
    }
  });
});

describe('jaasLogin', () => {
  const login = (...modules: Array<[LoginFlag, boolean]>) =>
    jaasLogin(modules.map(([flag, ok]) => ({ flag, accepted: () => ok })));

  it("follows JAAS's control flags", () => {
    expect(login(['required', true])).toBe(true);
    expect(login(['required', false])).toBe(false);
    expect(login(['required', true], ['required', false])).toBe(false);
    expect(login(['requisite', false], ['sufficient', true])).toBe(false);
    expect(login(['sufficient', true], ['required', false])).toBe(true);
    expect(login(['required', false], ['sufficient', true])).toBe(false);
    expect(login(['sufficient', false], ['required', true])).toBe(true);
    expect(login(['optional', false], ['optional', true])).toBe(true);
    expect(login(['optional', false], ['sufficient', false])).toBe(false);
    expect(login(['required', true], ['optional', false])).toBe(true);
  });
});
