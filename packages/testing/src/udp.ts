/**
 * UDP helpers for tests of game ports: finding free ports, and sending a real
 * reachability probe as the masterserver would.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { encodeProbe } from '@masterserver/protocol';

async function tryBind(port: number, host: string): Promise<Socket | undefined> {
  const socket = createSocket('udp4');
  try {
    socket.bind(port, host);
    await once(socket, 'listening');
    return socket;
  } catch {
    socket.close();
    return undefined;
  }
}

/**
 * The first of `count` consecutive UDP ports free on `host` (default `127.0.0.1`), below the ephemeral range
 * so that no outgoing socket takes one meanwhile; found by binding them all, then letting them go.
 */
export async function freeUdpPorts(count: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    const bound: Socket[] = [];
    for (let port = base; port < base + count; port++) {
      const socket = await tryBind(port, host);
      if (socket === undefined) break;
      bound.push(socket);
    }
    await Promise.all(bound.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
    if (bound.length === count) return base;
  }
  throw new Error(`no ${count} consecutive free UDP ports on ${host}`);
}

/** What {@link probeUdp} saw. */
export interface ProbeOutcome {
  /** The probe sent. */
  probe: Buffer;
  /** The first datagram back, if any came within the wait. */
  answer: Buffer | undefined;
  /** Where it came from. */
  from: { address: string; port: number } | undefined;
}

/**
 * Sends a reachability probe (a fresh random nonce) to `host:port` from an ephemeral port, and waits up to
 * `waitMs` (default 1000) for a datagram back.
 */
export async function probeUdp(host: string, port: number, waitMs = 1000): Promise<ProbeOutcome> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.on('error', () => {}); // an ICMP port unreachable surfaces here on some systems: it means no answer
  const probe = encodeProbe(randomBytes(16));
  try {
    socket.bind(0);
    await once(socket, 'listening');
    const answered = new Promise<Omit<ProbeOutcome, 'probe'>>((resolve) => {
      const timer = setTimeout(() => resolve({ answer: undefined, from: undefined }), waitMs);
      socket.once('message', (answer, from) => {
        clearTimeout(timer);
        resolve({ answer, from: { address: from.address, port: from.port } });
      });
    });
    socket.send(probe, port, host);
    return { probe, ...(await answered) };
  } finally {
    socket.close();
  }
}
