/**
 * Game ports for the reachability probe's tests: UDP sockets on loopback that
 * record what the masterserver sends them and answer its probes (correctly,
 * or in the wrong ways the tests need).
 *
 * @module
 */

import { createSocket, type Socket } from 'node:dgram';
import { decodeProbe, encodeProbeReply } from '@masterserver/protocol';

/** True for a probe datagram of the masterserver. */
export function isProbe(datagram: Buffer): boolean {
  return decodeProbe(datagram) !== undefined;
}

/** How a {@link GamePort} answers probes. */
export type Answering =
  /** The right answer, from the game port. */
  | 'yes'
  /** Nothing. */
  | 'no'
  /** The right bytes but another nonce. */
  | 'wrong-nonce'
  /** The right answer from another port of the same IP (as a NAT may). */
  | 'other-port'
  /** The right answer from another IP (127.0.0.2). */
  | 'other-ip';

/** A game port on UDP. */
export class GamePort {
  readonly socket: Socket;
  /** Every datagram received. */
  readonly received: Buffer[] = [];
  answering: Answering;
  readonly #helpers: Socket[] = [];

  private constructor(socket: Socket, answering: Answering) {
    this.socket = socket;
    this.answering = answering;
    socket.on('message', (datagram, from) => this.#received(datagram, from.address, from.port));
  }

  /** Binds `host`:`port` (port 0: a free one). */
  static async bind(answering: Answering, port = 0, host = '127.0.0.1'): Promise<GamePort> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, host, () => resolve());
    });
    const peer = new GamePort(socket, answering);
    return peer;
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Probes received so far. */
  get probes(): number {
    return this.received.filter(isProbe).length;
  }

  async close(): Promise<void> {
    for (const socket of [this.socket, ...this.#helpers]) {
      await new Promise<void>((resolve) => {
        try {
          socket.close(() => resolve());
        } catch {
          resolve();
        }
      });
    }
  }

  async #received(datagram: Buffer, address: string, port: number): Promise<void> {
    this.received.push(datagram);
    const nonce = decodeProbe(datagram);
    if (nonce === undefined) return;
    const answer = encodeProbeReply(nonce);
    switch (this.answering) {
      case 'no':
        return;
      case 'yes':
        this.socket.send(answer, port, address);
        return;
      case 'wrong-nonce':
        answer[20] = (answer[20] as number) ^ 0xff;
        this.socket.send(answer, port, address);
        return;
      case 'other-port':
      case 'other-ip': {
        const helper = createSocket('udp4');
        this.#helpers.push(helper);
        await new Promise<void>((resolve) =>
          helper.bind(0, this.answering === 'other-ip' ? '127.0.0.2' : '127.0.0.1', () => resolve()),
        );
        helper.send(answer, port, address);
        return;
      }
    }
  }
}
