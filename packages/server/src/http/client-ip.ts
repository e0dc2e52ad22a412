/**
 * The client address of a request, as the listing and the per-IP limits see it.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http';

/** Normalizes an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) to its IPv4 form. */
export function normalizeIp(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The peer's IP address. */
export function clientIp(req: IncomingMessage): string {
  return normalizeIp(req.socket.remoteAddress ?? '');
}
