// The lean WebSocket client of the load generators: node:net, the upgrade written
// by hand, frames built once (masked with a fixed key per connection) and reused,
// and a reader that hands out server frames without copying them.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { encodeFrame } from '@masterserver/testing';

const KEY = 'YmVuY2gtbG9hZC1rZXktMQ==';
const ACCEPT = createHash('sha1').update(`${KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');

/** Opcodes the generators send or read. */
export const TEXT = 1;
export const CLOSE = 8;
export const PING = 9;
export const PONG = 10;

/** A client frame masked with `maskKey` (a 4-byte Buffer). */
export function maskedFrame(opcode, payload, maskKey) {
  return encodeFrame(opcode, payload, { maskKey });
}

/** A masking key that differs per connection `i`. */
export function maskKeyOf(i) {
  const key = Buffer.alloc(4);
  key.writeUInt32BE((Math.imul(i + 1, 2654435761) | 1) >>> 0);
  return key;
}

/**
 * Opens a WebSocket to `ws://host:port/path` from `localAddress`. Resolves
 * `{ socket, rest }` once the 101 arrived (`rest`: bytes after the response head).
 */
export function connect({ host, port, path, localAddress, timeoutMs = 20_000 }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, localAddress });
    socket.setNoDelay(true);
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error('handshake timeout')), timeoutMs);
    function fail(error) {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    }
    function onData(chunk) {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', fail);
      clearTimeout(timer);
      const text = head.toString('latin1', 0, end);
      if (!text.startsWith('HTTP/1.1 101') || !text.includes(ACCEPT)) {
        socket.destroy();
        reject(new Error(`upgrade refused: ${text.split('\r\n')[0]}`));
        return;
      }
      resolve({ socket, rest: head.subarray(end + 4) });
    }
    socket.on('data', onData);
    socket.once('error', fail);
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

/**
 * A reader of unmasked server frames: feed it chunks; it calls
 * `onFrame(opcode, buffer, start, end)` for each whole frame (the payload is
 * `buffer[start..end)`, valid only during the call).
 */
export function frameReader(onFrame) {
  let pending = null;
  return (chunk) => {
    const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    let off = 0;
    while (buf.length - off >= 2) {
      let length = buf[off + 1] & 127;
      let header = 2;
      if (length === 126) {
        if (buf.length - off < 4) break;
        length = buf.readUInt16BE(off + 2);
        header = 4;
      } else if (length === 127) {
        if (buf.length - off < 10) break;
        length = Number(buf.readBigUInt64BE(off + 2));
        header = 10;
      }
      if (buf.length - off < header + length) break;
      onFrame(buf[off] & 15, buf, off + header, off + header + length);
      off += header + length;
    }
    pending = off === buf.length ? null : buf.subarray(off);
  };
}

/** Runs `task(i)` for i in [0, count) with at most `limit` running at once. */
export async function pool(count, limit, task) {
  let next = 0;
  async function worker() {
    while (next < count) await task(next++);
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

/** CPU of this process since `since` (a `process.cpuUsage()` + `performance.now()` pair), as a share of one core. */
export function cpuShare(since) {
  const used = process.cpuUsage(since.cpu);
  return (used.user + used.system) / 1000 / (performance.now() - since.t);
}

/** A mark to measure CPU from. */
export function cpuMark() {
  return { cpu: process.cpuUsage(), t: performance.now() };
}
