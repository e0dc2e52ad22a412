/**
 * Source addresses for many connections to a masterserver on this host.
 *
 * @module
 */

import { OptionError } from './errors.js';

/** Connections per source address in {@link loopbackSpread}: below the MS's default per-IP limit of 64. */
export const CONNECTIONS_PER_ADDRESS = 50;

/**
 * Source addresses that spread `count` connections to a loopback MS over
 * `127.0.0.1`, `127.0.0.2`, … so that no address holds more than `perAddress`
 * (the MS limits connections per IP, and each address has its own ephemeral
 * ports). `undefined` when one address is enough or the URL's host is not an
 * IPv4 loopback address (a name like `localhost` may resolve to `::1`). On
 * Linux all of 127.0.0.0/8 is local; elsewhere the extra addresses may need to
 * be configured.
 */
export function loopbackSpread(url: string, count: number, perAddress = CONNECTIONS_PER_ADDRESS): string[] | undefined {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined; // not a URL: the client's own check names it
  }
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return undefined;
  const needed = Math.ceil(count / perAddress);
  if (needed <= 1) return undefined;
  const addresses: string[] = [];
  // 127.0.0.1, …, 127.0.0.254, 127.0.1.1, …: no address ending in .0 or .255.
  for (let n = 1; addresses.length < needed; n++) {
    if ((n & 255) === 0 || (n & 255) === 255) continue;
    if (n > 0xfffffe) throw new OptionError('count', `${count} connections need more than 127.0.0.0/8`);
    addresses.push(`127.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`);
  }
  return addresses;
}
