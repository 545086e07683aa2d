import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Which destinations requests may not reach (`connection.disallow.local.ips`, `connection.disallow.private.ips`). */
export interface AddressPolicy {
  /** Loopback (127.0.0.0/8, ::1), link-local (169.254.0.0/16, fe80::/10) and unspecified (0.0.0.0/8, ::). */
  readonly disallowLocal: boolean;
  /** RFC 1918 (10/8, 172.16/12, 192.168/16), shared address space (100.64/10) and unique local (fc00::/7). */
  readonly disallowPrivate: boolean;
  /**
   * `connection.allow.metadata.ips`: whether the link-local and cloud metadata addresses
   * ({@link METADATA_SUBNETS}) may be reached. Off by default, whatever the two keys above say.
   */
  readonly allowMetadata: boolean;
}

type AddressKind = 'loopback' | 'link-local' | 'unspecified' | 'private';

export const ALLOW_METADATA_IPS_CONFIG = 'connection.allow.metadata.ips';

/**
 * Where cloud instances find their metadata and credentials, refused unless `connection.allow.metadata.ips`:
 * all of IPv4 link-local (AWS, GCP, Azure, Oracle, OpenStack at 169.254.169.254, ECS at 169.254.170.2), IPv6
 * link-local, AWS's IPv6 endpoint, Alibaba Cloud's and Azure's WireServer.
 */
export const METADATA_SUBNETS: readonly (readonly [string, number])[] = Object.freeze([
  ['169.254.0.0', 16],
  ['fe80::', 10],
  ['fd00:ec2::254', 128],
  ['100.100.100.200', 32],
  ['168.63.129.16', 32],
]);

/**
 * A block list of the subnets. An IPv4 subnet also matches where IPv6 carries that IPv4 address: IPv4-mapped
 * (::ffff:a.b.c.d, which BlockList matches by itself), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d)
 * and 6to4 (2002:aabb:ccdd::), so no spelling of an address slips through.
 */
function blockList(subnets: readonly (readonly [string, number])[]): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of subnets) {
    if (isIP(network) === 6) {
      list.addSubnet(network, prefix, 'ipv6');
      continue;
    }
    list.addSubnet(network, prefix, 'ipv4');
    list.addSubnet(`::${network}`, 96 + prefix, 'ipv6');
    list.addSubnet(`64:ff9b::${network}`, 96 + prefix, 'ipv6');
    const [a, b, c, d] = network.split('.').map(Number) as [number, number, number, number];
    const hex = (high: number, low: number) => ((high << 8) | low).toString(16);
    list.addSubnet(`2002:${hex(a, b)}:${hex(c, d)}::`, 16 + prefix, 'ipv6');
  }
  return list;
}

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

const METADATA = blockList(METADATA_SUBNETS);

function check(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** The kind of a special-purpose IP address, or null for any other address (or a non-address). */
export function addressKind(address: string): AddressKind | null {
  for (const [kind, list] of KINDS) if (check(list, address)) return kind;
  return null;
}

/** Whether an address is a link-local or cloud metadata address ({@link METADATA_SUBNETS}), in any spelling. */
export function isMetadataAddress(address: string): boolean {
  return check(METADATA, address);
}

/** A request refused because its destination address is one the policy forbids. */
export class BlockedAddressError extends Error {}

/** Why `address` (of `host`) is forbidden by `policy`, or null when it is allowed. */
export function blockedReason(policy: AddressPolicy, address: string, host = address): string | null {
  const of = host === address ? '' : ` of ${host}`;
  if (!policy.allowMetadata && isMetadataAddress(address)) {
    return `address ${address}${of} is a link-local or cloud metadata address, which is refused unless ${ALLOW_METADATA_IPS_CONFIG} is true`;
  }
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
