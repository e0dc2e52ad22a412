/**
 * A listed game server as players see it: one object of the HTTP list
 * (`GET /v2/client/servers`), the same for the masterserver that writes it and
 * the clients (the server browser among them) that read it. Never a password,
 * never an address: players get the address by joining.
 *
 * @module
 */

/** One server of the public list. */
export interface PublicServer {
  /** Stable id: derived from the listed address with the masterserver's secret (docs/protocol.md#registration). */
  readonly id: string;
  readonly name: string;
  readonly desc: string;
  readonly map: string;
  readonly playlist: string;
  readonly curPlayers: number;
  readonly maxPlayers: number;
  readonly hasPassword: boolean;
  readonly gameState: number;
  /** The reachability probe's verdict: `null` while unknown or with probing off (docs/protocol.md#reachability). */
  readonly reachable: boolean | null;
}
