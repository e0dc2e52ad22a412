/**
 * Open connections per client IP, for the per-IP connection limits (the
 * gateway's for game servers, the HTTP server's for every client). An IP is
 * kept only while it has a connection open.
 *
 * @module
 */

/** A count per IP; an IP whose count falls to zero is forgotten. */
export class IpCounts {
  readonly #counts = new Map<string, number>();

  /** Connections open from `ip`. */
  of(ip: string): number {
    return this.#counts.get(ip) ?? 0;
  }

  /** One more connection from `ip`. */
  add(ip: string): void {
    this.#counts.set(ip, this.of(ip) + 1);
  }

  /** One connection from `ip` fewer. */
  release(ip: string): void {
    const left = this.of(ip) - 1;
    if (left <= 0) this.#counts.delete(ip);
    else this.#counts.set(ip, left);
  }
}
