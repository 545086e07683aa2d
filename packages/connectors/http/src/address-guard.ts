import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Which destinations requests may not reach (`connection.disallow.local.ips`, `connection.disallow.private.ips`). */
export interface AddressPolicy {
  /** Loopback (127.0.0.0/8, ::1), link-local (169.254.0.0/16, fe80::/10) and unspecified (0.0.0.0/8, ::). */
  readonly disallowLocal: boolean;
  /** RFC 1918 (10/8, 172.16/12, 192.168/16), shared address space (100.64/10) and unique local (fc00::/7). */
  readonly disallowPrivate: boolean;
}

type AddressKind = 'loopback' | 'link-local' | 'unspecified' | 'private';

function blockList(subnets: readonly (readonly [string, number])[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of subnets)
    list.addSubnet(network, prefix, isIP(network) === 6 ? 'ipv6' : 'ipv4');
  return list;
}

// IPv4 rules also match IPv4-mapped IPv6 addresses (::ffff:127.0.0.1), so those cannot slip through.
const KINDS: readonly (readonly [AddressKind, BlockList])[] = [
  [
    'loopback',
    blockList([
      ['127.0.0.0', 8],
      ['::1', 128],
    ]),
  ],
  [
    'link-local',
    blockList([
      ['169.254.0.0', 16],
      ['fe80::', 10],
    ]),
  ],
  [
    'unspecified',
    blockList([
      ['0.0.0.0', 8],
      ['::', 128],
    ]),
  ],
  [
    'private',
    blockList([
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
      ['100.64.0.0', 10],
      ['fc00::', 7],
    ]),
  ],
];

/** The kind of a special-purpose IP address, or null for any other address (or a non-address). */
export function addressKind(address: string): AddressKind | null {
  const family = isIP(address);
  if (family === 0) return null;
  for (const [kind, list] of KINDS) if (list.check(address, family === 6 ? 'ipv6' : 'ipv4')) return kind;
  return null;
}

/** A request refused because its destination address is one the policy forbids. */
export class BlockedAddressError extends Error {}

/** Why `address` (of `host`) is forbidden by `policy`, or null when it is allowed. */
export function blockedReason(policy: AddressPolicy, address: string, host = address): string | null {
  const kind = addressKind(address);
  if (kind === null) return null;
  const key =
    kind === 'private'
      ? policy.disallowPrivate
        ? 'connection.disallow.private.ips'
        : null
      : policy.disallowLocal
        ? 'connection.disallow.local.ips'
        : null;
  if (key === null) return null;
  const of = host === address ? '' : ` of ${host}`;
  return `address ${address}${of} is a ${kind} address, which ${key} forbids`;
}

/** Strips the brackets of an IPv6 literal host as `URL.hostname` gives it. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

type LookupAll = (
  hostname: string,
  options: LookupAllOptions,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** The `lookup` option of `http.request`. */
export type LookupFunction = (
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

const systemLookup: LookupAll = (hostname, options, callback) => dnsLookup(hostname, options, callback);

/**
 * A DNS lookup for `http.request` that fails with a {@link BlockedAddressError} when any address a host name
 * resolves to is forbidden, so a name pointing at 127.0.0.1 or 10.x is caught as well as a literal address
 * (which Node connects to without a lookup: check those with {@link blockedReason} first). Checking every
 * address, not just the one used, keeps a name with one public and one private address from passing.
 */
export function guardedLookup(policy: AddressPolicy, resolve: LookupAll = systemLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, []);
        return;
      }
      for (const { address } of addresses) {
        const reason = blockedReason(policy, address, hostname);
        if (reason !== null) {
          callback(new BlockedAddressError(reason), []);
          return;
        }
      }
      const first = addresses[0];
      if (options.all === true) callback(null, addresses);
      else if (first === undefined)
        callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      else callback(null, first.address, first.family);
    });
  };
}
