import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  addressKind,
  BlockedAddressError,
  blockedReason,
  guardedLookup,
  isMetadataAddress,
} from './address-guard.js';

const strict = { disallowLocal: true, disallowPrivate: true, allowMetadata: false };
const open = { disallowLocal: false, disallowPrivate: false, allowMetadata: false };

/** Resolves every name to `addresses` without DNS (and without any traffic). */
function resolver(addresses: LookupAddress[]) {
  return (
    _host: string,
    _options: unknown,
    callback: (e: NodeJS.ErrnoException | null, a: LookupAddress[]) => void,
  ) => callback(null, addresses);
}

function lookup(policy: typeof strict, addresses: LookupAddress[], all: boolean) {
  return new Promise<{ error: Error | null; address: unknown; family?: number }>((resolve) => {
    guardedLookup(policy, resolver(addresses))('api.example', { all }, (error, address, family) =>
      resolve({ error, address, family }),
    );
  });
}

describe('address guard', () => {
  it('classifies loopback, link-local, unspecified and private addresses, IPv4-mapped ones too', () => {
    const cases: [string, string | null][] = [
      ['127.0.0.1', 'loopback'],
      ['127.9.9.9', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['100.64.0.1', 'private'],
      ['fd00::1', 'private'],
      ['::ffff:10.0.0.1', 'private'],
      ['172.32.0.1', null],
      ['8.8.8.8', null],
      ['2001:db8::1', null],
      ['example.com', null],
    ];
    for (const [address, kind] of cases) expect(addressKind(address), address).toBe(kind);
  });

  it('blocks by kind only when the matching key is on, and says which key', () => {
    expect(blockedReason(open, '127.0.0.1')).toBeNull();
    expect(
      blockedReason({ disallowLocal: true, disallowPrivate: false, allowMetadata: false }, '10.0.0.1'),
    ).toBeNull();
    expect(
      blockedReason({ disallowLocal: false, disallowPrivate: true, allowMetadata: false }, '127.0.0.1'),
    ).toBeNull();
    expect(blockedReason(strict, '127.0.0.1')).toBe(
      'address 127.0.0.1 is a loopback address, which connection.disallow.local.ips forbids',
    );
    expect(blockedReason(strict, '192.168.0.7', 'nas.lan')).toBe(
      'address 192.168.0.7 of nas.lan is a private address, which connection.disallow.private.ips forbids',
    );
    expect(blockedReason(strict, '93.184.216.34')).toBeNull();
  });

  it('fails a lookup when any resolved address is forbidden, and passes public ones on in both callback forms', async () => {
    const blocked = await lookup(
      strict,
      [
        { address: '93.184.216.34', family: 4 },
        { address: '10.0.0.8', family: 4 },
      ],
      true,
    );
    expect(blocked.error).toBeInstanceOf(BlockedAddressError);
    expect(blocked.error?.message).toBe(
      'address 10.0.0.8 of api.example is a private address, which connection.disallow.private.ips forbids',
    );
    const all = await lookup(strict, [{ address: '93.184.216.34', family: 4 }], true);
    expect(all).toEqual({
      error: null,
      address: [{ address: '93.184.216.34', family: 4 }],
      family: undefined,
    });
    const one = await lookup(strict, [{ address: '2001:db8::1', family: 6 }], false);
    expect(one).toEqual({ error: null, address: '2001:db8::1', family: 6 });
    const allowed = await lookup(open, [{ address: '10.0.0.8', family: 4 }], false);
    expect(allowed.address).toBe('10.0.0.8');
  });

  it('refuses link-local and cloud metadata addresses in every spelling unless connection.allow.metadata.ips is true', () => {
    const metadata = [
      '169.254.169.254',
      '169.254.170.2',
      '169.254.0.1',
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '::a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
      '2002:a9fe:a9fe::1',
      'fd00:ec2::254',
      'fe80::1',
      '100.100.100.200',
      '::ffff:100.100.100.200',
      '168.63.129.16',
    ];
    const allowMetadata = { ...open, allowMetadata: true };
    for (const address of metadata) {
      expect(isMetadataAddress(address), address).toBe(true);
      expect(blockedReason(open, address), address).toBe(
        `address ${address} is a link-local or cloud metadata address, which is refused unless connection.allow.metadata.ips is true`,
      );
      expect(blockedReason(allowMetadata, address), address).toBeNull();
    }
    for (const address of ['169.255.0.1', '169.253.255.255', 'fd00:ec2::253', '100.100.100.201', '8.8.8.8']) {
      expect(isMetadataAddress(address), address).toBe(false);
    }
    // Allowing metadata addresses does not lift connection.disallow.local.ips.
    expect(blockedReason({ ...strict, allowMetadata: true }, '169.254.169.254')).toBe(
      'address 169.254.169.254 is a link-local address, which connection.disallow.local.ips forbids',
    );
  });

  it('fails the lookup of a name that resolves to a metadata address, by default', async () => {
    const resolved = await lookup(open, [{ address: '169.254.169.254', family: 4 }], false);
    expect(resolved.error).toBeInstanceOf(BlockedAddressError);
    expect(resolved.error?.message).toBe(
      'address 169.254.169.254 of api.example is a link-local or cloud metadata address, which is refused unless connection.allow.metadata.ips is true',
    );
    const allowed = await lookup(
      { ...open, allowMetadata: true },
      [{ address: '169.254.169.254', family: 4 }],
      false,
    );
    expect(allowed.address).toBe('169.254.169.254');
  });
});
