import { isIPv4, isIPv6 } from 'node:net';

/**
 * Where an IP address leads, for the webhook egress rule (API.md "Operator controls"): only `public` addresses may
 * receive a webhook unless WEBHOOK_ALLOW_PRIVATE=on. Pure: no DNS, no sockets.
 */
export type AddressClass = 'public' | 'loopback' | 'link-local' | 'private' | 'unspecified' | 'invalid';

interface Range {
  base: bigint;
  prefix: number;
  kind: Exclude<AddressClass, 'public' | 'invalid'>;
}

const IPV4_RANGES: readonly Range[] = [
  { base: ipv4('0.0.0.0'), prefix: 8, kind: 'unspecified' }, // "this network" (RFC 1122); 0.0.0.0 itself reaches the host
  { base: ipv4('127.0.0.0'), prefix: 8, kind: 'loopback' },
  { base: ipv4('169.254.0.0'), prefix: 16, kind: 'link-local' }, // cloud metadata services live here
  { base: ipv4('10.0.0.0'), prefix: 8, kind: 'private' },
  { base: ipv4('172.16.0.0'), prefix: 12, kind: 'private' },
  { base: ipv4('192.168.0.0'), prefix: 16, kind: 'private' },
  // Shared address space (RFC 6598): never on the public internet; the Kubernetes egress policy closes it too.
  { base: ipv4('100.64.0.0'), prefix: 10, kind: 'private' },
];

const IPV6_RANGES: readonly Range[] = [
  { base: 0n, prefix: 128, kind: 'unspecified' }, // ::
  { base: 1n, prefix: 128, kind: 'loopback' }, // ::1
  { base: 0xfe80n << 112n, prefix: 10, kind: 'link-local' },
  { base: 0xfec0n << 112n, prefix: 10, kind: 'private' }, // site-local (deprecated, still routed inside some networks)
  { base: 0xfc00n << 112n, prefix: 7, kind: 'private' }, // unique local
];

/**
 * IPv6 prefixes whose last 32 bits are an IPv4 address the packet ends up at: IPv4-mapped `::ffff:a.b.c.d` (a dual-stack
 * socket connects to a.b.c.d), IPv4-compatible `::a.b.c.d` (deprecated) and the NAT64 well-known prefix
 * `64:ff9b::/96`. Such an address is judged as its IPv4 address.
 */
const IPV4_EMBEDDING: readonly bigint[] = [0xffffn << 32n, 0n, 0x64ff9bn << 96n];

/** The class of a textual IPv4 or IPv6 address (brackets and an IPv6 zone id are accepted). */
export function classifyAddress(address: string): AddressClass {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIPv4(text)) return classify(ipv4(text), 32, IPV4_RANGES);
  const bare = text.replace(/%.*$/, '');
  if (!isIPv6(bare)) return 'invalid';
  const value = ipv6(bare);
  const high = value >> 32n;
  const low = value & 0xffff_ffffn;
  // :: and ::1 sit inside ::/96 but are IPv6's own unspecified and loopback addresses.
  if (value > 1n && IPV4_EMBEDDING.some((prefix) => high << 32n === prefix)) return classify(low, 32, IPV4_RANGES);
  return classify(value, 128, IPV6_RANGES);
}

/** Whether a webhook may be sent to this address with private destinations refused. */
export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}

function classify(value: bigint, bits: number, ranges: readonly Range[]): AddressClass {
  for (const r of ranges) {
    const shift = BigInt(bits - r.prefix);
    if (value >> shift === r.base >> shift) return r.kind;
  }
  return 'public';
}

/** A dotted quad (already checked by isIPv4) as a 32-bit number. */
function ipv4(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number.parseInt(octet, 10)), 0n);
}

/** An IPv6 address (already checked by isIPv6, zone id removed) as a 128-bit number; a trailing dotted quad is read as two groups. */
function ipv6(text: string): bigint {
  let groups = text;
  const quad = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (quad) {
    const v4 = ipv4(quad[1]);
    groups = `${text.slice(0, quad.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = groups.includes('::') ? groups.split('::') : [groups, undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - left.length - right.length;
  const all = tail === undefined ? left : [...left, ...Array.from({ length: missing }, () => '0'), ...right];
  return all.reduce((acc, group) => (acc << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}
