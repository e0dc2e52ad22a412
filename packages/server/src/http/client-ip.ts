/**
 * The client address of a request, as the listing and the per-IP limits see
 * it: the peer's address, or, when the peer is a trusted proxy, the address
 * that proxy reports in `X-Forwarded-For`.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { normalizeIp, parseCidr } from '../net/addresses.js';

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
