import fc from 'fast-check';
import { AddressClass, classifyAddress, isPublicAddress } from './egress-address';

const cases = (entries: [string, AddressClass][]) => entries.map(([address, kind]) => ({ address, kind }));

describe('webhook egress: which addresses a webhook may go to', () => {
  it.each(
    cases([
      ['127.0.0.1', 'loopback'],
      ['127.255.255.255', 'loopback'],
      ['126.255.255.255', 'public'],
      ['128.0.0.0', 'public'],
      ['10.0.0.0', 'private'],
      ['10.255.255.255', 'private'],
      ['9.255.255.255', 'public'],
      ['11.0.0.0', 'public'],
      ['172.16.0.0', 'private'],
      ['172.31.255.255', 'private'],
      ['172.15.255.255', 'public'],
      ['172.32.0.0', 'public'],
      ['192.168.0.1', 'private'],
      ['192.168.255.255', 'private'],
      ['192.167.255.255', 'public'],
      ['192.169.0.0', 'public'],
      ['169.254.169.254', 'link-local'],
      ['169.254.0.0', 'link-local'],
      ['169.253.255.255', 'public'],
      ['169.255.0.0', 'public'],
      ['0.0.0.0', 'unspecified'],
      ['0.255.255.255', 'unspecified'],
      ['1.0.0.0', 'public'],
      ['100.64.0.1', 'private'],
      ['100.127.255.255', 'private'],
      ['100.63.255.255', 'public'],
      ['100.128.0.0', 'public'],
      ['8.8.8.8', 'public'],
      ['93.184.216.34', 'public'],
      ['255.255.255.255', 'public'],
    ]),
  )('IPv4 $address is $kind', ({ address, kind }) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each(
    cases([
      ['::1', 'loopback'],
      ['0:0:0:0:0:0:0:1', 'loopback'],
      ['[::1]', 'loopback'],
      ['::', 'unspecified'],
      ['0::0', 'unspecified'],
      ['fe80::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'link-local'],
      ['fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'public'],
      ['fec0::1', 'private'],
      ['fc00::', 'private'],
      ['fd12:3456:789a::1', 'private'],
      ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'private'],
      ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'public'],
      ['fe00::', 'public'],
      ['2001:db8::1', 'public'],
      ['2606:4700:4700::1111', 'public'],
      ['::2', 'unspecified'],
      ['::0.0.0.2', 'unspecified'],
    ]),
  )('IPv6 $address is $kind', ({ address, kind }) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each(
    cases([
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['[::ffff:7f00:1]', 'loopback'],
      ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
      ['::FFFF:127.0.0.1', 'loopback'],
      ['::ffff:10.1.2.3', 'private'],
      ['::ffff:a01:203', 'private'],
      ['::ffff:169.254.169.254', 'link-local'],
      ['::ffff:192.168.1.1', 'private'],
      ['::ffff:172.16.0.1', 'private'],
      ['::ffff:0.0.0.0', 'unspecified'],
      ['::ffff:8.8.8.8', 'public'],
      ['::127.0.0.1', 'loopback'],
      ['::7f00:1', 'loopback'],
      ['64:ff9b::127.0.0.1', 'loopback'],
      ['64:ff9b::a00:1', 'private'],
      ['64:ff9b::808:808', 'public'],
      ['::fffe:127.0.0.1', 'public'],
    ]),
  )('IPv4 inside IPv6: $address is $kind', ({ address, kind }) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each(['', 'localhost', '127.0.0.1.nip.io', '256.0.0.1', '1.2.3', '::g', '1::2::3', '[127.0.0.1]x'])('%j is no address', (text) => {
    expect(classifyAddress(text)).toBe('invalid');
    expect(isPublicAddress(text)).toBe(false);
  });

  it('judges every IPv4 address the same written as IPv4, IPv4-mapped (dotted or hex) and NAT64', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        const [a, b, c, d] = v4.split('.').map(Number);
        const hex = `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
        const kind = classifyAddress(v4);
        return [`::ffff:${v4}`, `::ffff:${hex}`, `64:ff9b::${hex}`].every((form) => classifyAddress(form) === kind);
      }),
    );
  });

  it('reads every IPv6 spelling of one address alike (compressed, full, upper case)', () => {
    fc.assert(
      fc.property(fc.ipV6(), (v6) => {
        const full = expand(v6);
        return classifyAddress(full) === classifyAddress(v6) && classifyAddress(v6.toUpperCase()) === classifyAddress(v6);
      }),
    );
  });
});

/** The eight groups of an address, written out, through the WHATWG URL parser (which canonicalises it). */
function expand(v6: string): string {
  const canonical = new URL(`http://[${v6}]/`).hostname.slice(1, -1);
  const [head, tail = ''] = canonical.includes('::') ? canonical.split('::') : [canonical, ''];
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const middle = canonical.includes('::') ? Array.from({ length: 8 - left.length - right.length }, () => '0') : [];
  return [...left, ...middle, ...right].join(':');
}
