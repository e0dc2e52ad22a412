/**
 * IP addresses as text: their canonical form (the one the listing, the stable
 * ids, the probe and the bans compare) and CIDR ranges. No I/O.
 *
 * @module
 */

import { isIP } from 'node:net';

/**
 * An address in its canonical text form: an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as plain IPv4,
 * other IPv6 addresses compressed and in lower case (`2001:DB8:0::1` → `2001:db8::1`). Text that is not
 * an address is returned as it is.
 */
export function normalizeIp(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!address.includes(':') || isIP(address) !== 6 || address.includes('%')) return address;
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped === null) return canonical;
  const high = Number.parseInt(mapped[1] as string, 16);
  const low = Number.parseInt(mapped[2] as string, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Parses `ADDRESS` or `ADDRESS/PREFIX`; throws a `RangeError` naming the problem. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const slash = text.indexOf('/');
  const address = normalizeIp(slash === -1 ? text.trim() : text.slice(0, slash).trim());
  const version = isIP(address);
  if (version === 0) throw new RangeError(`"${text}" is not an IP address or CIDR range`);
  const max = version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1).trim();
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix > max) throw new RangeError(`"${text}" has a prefix outside 0–${max}`);
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** An address as people read it: `IP:PORT`, an IPv6 address in brackets. */
export function formatAddress(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
