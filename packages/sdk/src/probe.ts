/**
 * Answering the masterserver's reachability probe (docs/protocol.md#reachability)
 * on the game's own UDP socket: the MS sends a 28-byte probe to the listed game
 * port, and the game server sends back the answer from that port.
 *
 * @example
 * ```ts
 * import { createSocket } from 'node:dgram';
 * import { answerProbes } from '@masterserver/sdk';
 *
 * const game = createSocket('udp4');
 * // Probes are answered here; every other datagram goes to the game.
 * answerProbes(game, (datagram, from) => kcp.input(datagram, from));
 * game.bind(37015);
 * ```
 *
 * @module
 */

import type { RemoteInfo, Socket } from 'node:dgram';
import { decodeProbe, encodeProbeReply } from '@masterserver/protocol';

/**
 * The answer to `datagram` when it is a probe (28 bytes: `FF FF FF FF`, `MSPROBE1`, a 16-byte nonce): `FF FF
 * FF FF`, `MSREPLY1` and the same nonce, to be sent back to where the probe came from. `undefined` for any
 * other datagram, so a game can call it on every datagram that starts with `FF FF FF FF`.
 */
export function probeReply(datagram: Uint8Array): Buffer | undefined {
  const nonce = decodeProbe(datagram);
  return nonce === undefined ? undefined : encodeProbeReply(nonce);
}

/** What {@link answerProbes} hands the game: a datagram that is not a probe, and where it came from. */
export type GameDatagramHandler = (datagram: Buffer, from: RemoteInfo) => void;

/**
 * Answers the MS's probes on `socket`, the game's own UDP socket, from the port they reached. Install it
 * instead of a `'message'` listener of your own: probes are answered here and go no further; every other
 * datagram (game traffic, and connectionless packets that are not probes) goes to `onDatagram`, if given.
 * Sending an answer never throws and never emits `'error'` on the socket (a lost answer is a missed probe,
 * which the MS retries). Returns a function that removes the listener again.
 */
export function answerProbes(socket: Socket, onDatagram?: GameDatagramHandler): () => void {
  const ignore = (): void => {};
  const listener = (datagram: Buffer, from: RemoteInfo): void => {
    const reply = datagram[0] === 0xff ? probeReply(datagram) : undefined;
    if (reply === undefined) {
      onDatagram?.(datagram, from);
      return;
    }
    try {
      socket.send(reply, from.port, from.address, ignore);
    } catch {
      // The socket closed meanwhile: nothing to answer from.
    }
  };
  socket.on('message', listener);
  return () => {
    socket.off('message', listener);
  };
}
