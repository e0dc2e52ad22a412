/**
 * Removals across instances: an operator's removal of a server whose
 * connection another instance holds is sent to that instance's channel (the
 * one remote joins use) and carried out there.
 *
 * @module
 */

import type { ClusterLink } from '../cluster/cluster-link.js';

/** How a removal sent to another instance went. */
export type RemoteRemoval = 'removed' | 'not-found' | 'unavailable';

interface RemoveMessage {
  t: 'remove';
  /** The server id. */
  sid: string;
  /** The close reason. */
  r: string;
}

/** Sends removals to the instances that hold the servers, and carries out those sent here. */
export class RemoteRemovals {
  readonly #link: ClusterLink;

  /** `removeLocal`: removes a server this instance holds (see `Gateway.remove`). */
  constructor(link: ClusterLink, removeLocal: (serverId: string, reason: string) => boolean) {
    this.#link = link;
    // Parsed by the link, which logs and drops a message this throws on.
    link.listen(link.keys.instance(link.id), (value) => {
      const message = value as Partial<RemoveMessage> | null;
      // The channel also carries joins: only removals are read here.
      if (message?.t !== 'remove') return;
      if (typeof message.sid !== 'string' || typeof message.r !== 'string')
        throw new Error('a removal without its server');
      removeLocal(message.sid, message.r);
    });
  }

  /**
   * Asks instance `owner` to remove `serverId` with `reason`: `removed` once the message reached it,
   * `not-found` when that instance is gone (its servers leave the list with it), `unavailable` without Redis.
   */
  async remove(owner: string, serverId: string, reason: string): Promise<RemoteRemoval> {
    if (!this.#link.available) return 'unavailable';
    const message: RemoveMessage = { t: 'remove', sid: serverId, r: reason };
    try {
      const receivers = await this.#link.publishToInstance(owner, JSON.stringify(message));
      return receivers > 0 ? 'removed' : 'not-found';
    } catch {
      return 'unavailable';
    }
  }
}
