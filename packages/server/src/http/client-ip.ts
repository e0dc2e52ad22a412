/**
 * The client address of a request, as the listing and the per-IP limits see
 * it: the peer's address, or, when the peer is a trusted proxy, the address
 * that proxy reports in `X-Forwarded-For`.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

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

/** Resolves client addresses, trusting `X-Forwarded-For` only from the configured proxies. */
export class ClientAddresses {
  readonly #trusted: BlockList | undefined;

  /** `trustedProxies`: CIDR ranges (or single addresses) of proxies whose `X-Forwarded-For` is believed. */
  constructor(trustedProxies: readonly string[] = []) {
    if (trustedProxies.length === 0) return;
    this.#trusted = new BlockList();
    for (const range of trustedProxies) {
      const { address, prefix, family } = parseCidr(range);
      this.#trusted.addSubnet(address, prefix, family);
    }
  }

  /** True when `address` is a trusted proxy. */
  isTrusted(address: string): boolean {
    const trusted = this.#trusted;
    if (trusted === undefined) return false;
    const version = isIP(address);
    return version !== 0 && trusted.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client's address: the peer's, unless the peer is a trusted proxy; then
   * `X-Forwarded-For` is read from the right, skipping trusted proxies, and the
   * first other address is the client (the leftmost if every hop is trusted).
   */
  resolve(req: IncomingMessage): string {
    const peer = normalizeIp(req.socket.remoteAddress ?? '');
    if (!this.isTrusted(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    if (header === undefined) return peer;
    const hops = (Array.isArray(header) ? header.join(',') : header).split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = normalizeIp((hops[i] as string).trim());
      if (isIP(hop) === 0) break;
      client = hop;
      if (!this.isTrusted(hop)) break;
    }
    return client;
  }
}
