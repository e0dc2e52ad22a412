/**
 * The reachability probe's two UDP datagrams (docs/protocol.md#reachability):
 * the MS sends a probe to a listed game port, the game server sends back an
 * answer carrying the same nonce. Both are connectionless packets: they start
 * with four `0xFF` bytes, which game traffic (KCP, led by its `conv`) never
 * does, since no `conv` is `0xFFFFFFFF` (see {@link ConvRange}).
 *
 * @example
 * ```ts
 * import { decodeProbe, encodeProbeReply } from '@masterserver/protocol';
 *
 * socket.on('message', (datagram, from) => {
 *   const nonce = decodeProbe(datagram);
 *   if (nonce !== undefined) socket.send(encodeProbeReply(nonce), from.port, from.address);
 * });
 * ```
 *
 * @module
 */

/** The layout of the probe datagrams: a 4-byte prefix, an 8-byte ASCII tag, a 16-byte nonce; 28 bytes in all. */
export const ProbeDatagram = {
  /** Each of the first four bytes of every connectionless packet. */
  PREFIX_BYTE: 0xff,
  /** Length of the prefix. */
  PREFIX_SIZE: 4,
  /** The tag of a probe (MS → GS), after the prefix. */
  PROBE_TAG: 'MSPROBE1',
  /** The tag of an answer (GS → MS), after the prefix. */
  REPLY_TAG: 'MSREPLY1',
  /** Length of the nonce, after the tag. */
  NONCE_SIZE: 16,
  /** Length of a probe, and of an answer. */
  SIZE: 28,
} as const;

const HEADER_SIZE = ProbeDatagram.SIZE - ProbeDatagram.NONCE_SIZE;

function header(tag: string): Buffer {
  const bytes = Buffer.alloc(HEADER_SIZE, ProbeDatagram.PREFIX_BYTE);
  bytes.write(tag, ProbeDatagram.PREFIX_SIZE, 'ascii');
  return bytes;
}

const PROBE_HEADER = header(ProbeDatagram.PROBE_TAG);
const REPLY_HEADER = header(ProbeDatagram.REPLY_TAG);

/**
 * True when `datagram` is a connectionless packet: it starts with four `0xFF`
 * bytes. Game traffic never does; a game server hands these to the SDK (or
 * drops them), never to its KCP layer.
 */
export function isConnectionless(datagram: Uint8Array): boolean {
  return (
    datagram.length >= ProbeDatagram.PREFIX_SIZE &&
    datagram[0] === 0xff &&
    datagram[1] === 0xff &&
    datagram[2] === 0xff &&
    datagram[3] === 0xff
  );
}

function encode(head: Buffer, nonce: Uint8Array): Buffer {
  if (nonce.length !== ProbeDatagram.NONCE_SIZE) {
    throw new RangeError(`a probe nonce is ${ProbeDatagram.NONCE_SIZE} bytes, got ${nonce.length}`);
  }
  const datagram = Buffer.allocUnsafe(ProbeDatagram.SIZE);
  head.copy(datagram, 0);
  datagram.set(nonce, HEADER_SIZE);
  return datagram;
}

/** The nonce of `datagram` when it is exactly 28 bytes starting with `head`; else `undefined`. */
function decode(head: Buffer, datagram: Uint8Array): Buffer | undefined {
  if (datagram.length !== ProbeDatagram.SIZE) return undefined;
  for (let i = 0; i < HEADER_SIZE; i++) if (datagram[i] !== head[i]) return undefined;
  return Buffer.from(datagram.subarray(HEADER_SIZE));
}

/** The probe the MS sends: prefix, `MSPROBE1`, `nonce` (16 bytes, else a `RangeError`). */
export function encodeProbe(nonce: Uint8Array): Buffer {
  return encode(PROBE_HEADER, nonce);
}

/** The nonce (a copy) of a probe, or `undefined` for any other datagram, including one of another length. */
export function decodeProbe(datagram: Uint8Array): Buffer | undefined {
  return decode(PROBE_HEADER, datagram);
}

/** The answer a game server sends back: prefix, `MSREPLY1`, the probe's `nonce` (16 bytes, else a `RangeError`). */
export function encodeProbeReply(nonce: Uint8Array): Buffer {
  return encode(REPLY_HEADER, nonce);
}

/** The nonce (a copy) of an answer, or `undefined` for any other datagram, including one of another length. */
export function decodeProbeReply(datagram: Uint8Array): Buffer | undefined {
  return decode(REPLY_HEADER, datagram);
}
