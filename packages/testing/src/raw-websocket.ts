/**
 * A minimal RFC 6455 client on plain `node:net` / `node:tls`, for tests that
 * must write exact bytes (split, concatenated, fragmented or malformed frames)
 * and check exactly what the server answers, close codes included.
 *
 * @module
 */

import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

/** Frame opcodes of RFC 6455 §5.2. */
export const Opcode = { CONTINUATION: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** One received frame. A masked server frame is already unmasked. */
export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** How {@link encodeFrame} builds a frame. */
export interface FrameOptions {
  /** FIN bit; default true. */
  fin?: boolean;
  /** Mask the payload, as a client must; default true. */
  mask?: boolean;
  /** The three RSV bits as a number 0–7 (RSV1 = 4); default 0. */
  rsv?: number;
  /** The 4-byte masking key; default random. */
  maskKey?: Buffer;
  /**
   * The payload length written in the header instead of the payload's own
   * (for frames that announce more than they carry, e.g. `2n ** 63n`); its
   * size picks the 7-, 16- or 64-bit encoding. Default: the payload's length.
   */
  declaredLength?: number | bigint;
}

/** Options of {@link RawWebSocket.connect}. */
export interface ConnectOptions {
  /** Extra request headers; a name matching a default header (case-insensitive) replaces it. */
  headers?: Record<string, string>;
  /** Local address to connect from. */
  localAddress?: string;
  /** Time allowed for the TCP/TLS connect plus the upgrade response; default 5000 ms. */
  timeoutMs?: number;
  /** TLS options for `wss://`. */
  tls?: { rejectUnauthorized?: boolean; ca?: string | Buffer };
}

/** A close frame's content. */
export interface CloseInfo {
  /** The status code, or `undefined` when the close frame had an empty payload. */
  code: number | undefined;
  /** The UTF-8 reason, '' when none. */
  reason: string;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
const DEFAULT_FRAME_TIMEOUT_MS = 2000;
/** Largest payload the parser accepts; anything larger is treated as a broken stream. */
const MAX_PAYLOAD = 2 ** 31;

/**
 * Encodes one frame (client frames are masked by default). Handles 7-bit,
 * 16-bit and 64-bit lengths, always with the shortest length encoding.
 */
export function encodeFrame(opcode: number, payload: Buffer | string, options: FrameOptions = {}): Buffer {
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) {
    throw new RangeError(`opcode must be an integer 0-15, got ${opcode}`);
  }
  const rsv = options.rsv ?? 0;
  if (!Number.isInteger(rsv) || rsv < 0 || rsv > 7) throw new RangeError(`rsv must be an integer 0-7, got ${rsv}`);
  const mask = options.mask ?? true;
  const data = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const length = BigInt(options.declaredLength ?? data.length);
  if (length < 0n || length >= 2n ** 64n) throw new RangeError(`declaredLength must fit 64 bits, got ${length}`);
  const lengthBytes = length < 126n ? 0 : length < 0x10000n ? 2 : 8;
  const headerLength = 2 + lengthBytes + (mask ? 4 : 0);
  const frame = Buffer.alloc(headerLength + data.length);
  frame[0] = ((options.fin ?? true) ? 0x80 : 0) | (rsv << 4) | opcode;
  const maskBit = mask ? 0x80 : 0;
  if (lengthBytes === 0) {
    frame[1] = maskBit | Number(length);
  } else if (lengthBytes === 2) {
    frame[1] = maskBit | 126;
    frame.writeUInt16BE(Number(length), 2);
  } else {
    frame[1] = maskBit | 127;
    frame.writeBigUInt64BE(length, 2);
  }
  if (!mask) {
    data.copy(frame, headerLength);
    return frame;
  }
  const key = options.maskKey ?? randomBytes(4);
  if (key.length !== 4) throw new RangeError(`maskKey must be 4 bytes, got ${key.length}`);
  key.copy(frame, 2 + lengthBytes);
  for (let i = 0; i < data.length; i++) {
    frame[headerLength + i] = (data[i] ?? 0) ^ (key[i & 3] ?? 0);
  }
  return frame;
}

/** Thrown by {@link RawWebSocket.connect} when the server answers the upgrade with anything but 101. */
export class HandshakeError extends Error {
  /** The response's status code. */
  readonly status: number;
  /** The response headers, names in lower case (repeated headers joined with ', '). */
  readonly headers: Record<string, string>;
  /** The response body as UTF-8 text. */
  readonly body: string;
  constructor(status: number, statusLine: string, headers: Record<string, string>, body: string) {
    super(`WebSocket upgrade rejected: ${statusLine}${body === '' ? '' : ` (body: ${JSON.stringify(body)})`}`);
    this.name = 'HandshakeError';
    this.status = status;
    this.headers = headers;
    this.body = body;
  }
}

/** Decodes a close frame's payload. */
function parseClose(payload: Buffer): CloseInfo {
  if (payload.length < 2) return { code: undefined, reason: '' };
  return { code: payload.readUInt16BE(0), reason: payload.subarray(2).toString('utf8') };
}

function describeClose(info: CloseInfo): string {
  return `close frame (code ${info.code ?? 'none'}, reason ${JSON.stringify(info.reason)})`;
}

function describeFrame(frame: Frame): string {
  if (frame.opcode === Opcode.CLOSE) return describeClose(parseClose(frame.payload));
  const names: Record<number, string> = { 0: 'continuation', 1: 'text', 2: 'binary', 9: 'ping', 10: 'pong' };
  return `${names[frame.opcode] ?? `opcode ${frame.opcode}`} frame (${frame.payload.length} bytes, fin=${frame.fin})`;
}

interface Waiter {
  resolve: (frame: Frame) => void;
  reject: (error: Error) => void;
}

interface ParsedHead {
  status: number;
  statusLine: string;
  headers: Record<string, string>;
}

function parseHead(head: string): ParsedHead {
  const lines = head.split('\r\n');
  const statusLine = lines[0] ?? '';
  const match = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(statusLine);
  if (!match?.[1]) throw new Error(`malformed HTTP status line in upgrade response: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status: Number(match[1]), statusLine, headers };
}

/** A WebSocket client connection that exposes the frames as they are on the wire. */
export class RawWebSocket {
  /** When true (default) a received Ping is answered with a Pong carrying the same payload. */
  autoPong = true;
  /**
   * When true (default false) a received Close frame is answered with a Close
   * frame echoing the code (unless one was already sent), then the client ends its side.
   */
  autoCloseReply = false;
  /**
   * Resolves with the server's close frame (code/reason) when one arrives; does
   * not reply. Rejects (without ever being an unhandled rejection) if the
   * connection ends without one.
   */
  readonly closeFrame: Promise<CloseInfo>;
  /**
   * Resolves when the TCP connection is fully closed, with the time
   * (`performance.now()`) it happened and the server's close frame if one came before.
   */
  readonly ended: Promise<{ at: number; closeFrame: CloseInfo | undefined }>;

  readonly #socket: net.Socket;
  #buffer: Buffer;
  readonly #frames: Frame[] = [];
  readonly #waiters: Waiter[] = [];
  #receivedClose: CloseInfo | undefined;
  #closeSent = false;
  #noMoreFrames = false;
  #isEnded = false;
  #error: Error | undefined;
  #resolveCloseFrame!: (info: CloseInfo) => void;
  #rejectCloseFrame!: (error: Error) => void;

  private constructor(socket: net.Socket, head: Buffer) {
    this.#socket = socket;
    this.#buffer = head;
    this.closeFrame = new Promise<CloseInfo>((resolve, reject) => {
      this.#resolveCloseFrame = resolve;
      this.#rejectCloseFrame = reject;
    });
    this.closeFrame.catch(() => {});
    this.ended = new Promise((resolve) => {
      socket.once('close', () => {
        this.#isEnded = true;
        this.#endOfFrames();
        resolve({ at: performance.now(), closeFrame: this.#receivedClose });
      });
    });
    socket.on('error', (error) => {
      this.#error ??= error;
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#endOfFrames());
    // Bytes that came with the 101 response are parsed on the next turn, so the
    // caller can set autoPong/autoCloseReply after `await connect()` first.
    if (head.length > 0) setImmediate(() => this.#onData(Buffer.alloc(0)));
  }

  /**
   * Opens a connection to a `ws://` or `wss://` URL and performs the upgrade.
   * Rejects with the socket error if the connect fails, with an Error on
   * timeout or a bad Sec-WebSocket-Accept, and with a {@link HandshakeError}
   * if the status is not 101.
   */
  static connect(url: string, options: ConnectOptions = {}): Promise<RawWebSocket> {
    const target = new URL(url);
    if (target.protocol !== 'ws:' && target.protocol !== 'wss:') {
      return Promise.reject(new Error(`RawWebSocket.connect: expected a ws:// or wss:// URL, got ${url}`));
    }
    const secure = target.protocol === 'wss:';
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = target.port === '' ? (secure ? 443 : 80) : Number(target.port);
    const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;

    const headers = new Map<string, [string, string]>();
    const setHeader = (name: string, value: string): void => {
      headers.set(name.toLowerCase(), [name, value]);
    };
    setHeader('Host', target.host);
    setHeader('Upgrade', 'websocket');
    setHeader('Connection', 'Upgrade');
    setHeader('Sec-WebSocket-Key', randomBytes(16).toString('base64'));
    setHeader('Sec-WebSocket-Version', '13');
    for (const [name, value] of Object.entries(options.headers ?? {})) setHeader(name, value);
    const key = headers.get('sec-websocket-key')?.[1] ?? '';
    const expectedAccept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    const request =
      `GET ${target.pathname}${target.search} HTTP/1.1\r\n` +
      [...headers.values()].map(([name, value]) => `${name}: ${value}\r\n`).join('') +
      '\r\n';

    const local = options.localAddress === undefined ? {} : { localAddress: options.localAddress };
    const socket = secure
      ? tls.connect({
          host,
          port,
          ...local,
          ...(net.isIP(host) === 0 ? { servername: host } : {}),
          ...(options.tls?.rejectUnauthorized === undefined
            ? {}
            : { rejectUnauthorized: options.tls.rejectUnauthorized }),
          ...(options.tls?.ca === undefined ? {} : { ca: options.tls.ca }),
        })
      : net.connect({ host, port, ...local });

    return new Promise<RawWebSocket>((resolve, reject) => {
      let received = Buffer.alloc(0);
      let head: ParsedHead | undefined;
      let bodyStart = 0;
      let settled = false;
      let connectError: Error | undefined;

      const cleanup = (): void => {
        settled = true;
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('close', onEnd);
        socket.off(secure ? 'secureConnect' : 'connect', onConnect);
      };
      const fail = (error: Error): void => {
        if (settled) return;
        cleanup();
        socket.destroy();
        reject(error);
      };
      const rejectWithBody = (): void => {
        if (settled || head === undefined) return;
        const length = Number(head.headers['content-length']);
        const bodyBytes = received.subarray(bodyStart);
        const body = (Number.isInteger(length) ? bodyBytes.subarray(0, length) : bodyBytes).toString('utf8');
        fail(new HandshakeError(head.status, head.statusLine, head.headers, body));
      };
      const onConnect = (): void => {
        socket.write(request);
      };
      const onData = (chunk: Buffer): void => {
        received = Buffer.concat([received, chunk]);
        if (head === undefined) {
          const end = received.indexOf('\r\n\r\n');
          if (end === -1) return;
          try {
            head = parseHead(received.subarray(0, end).toString('latin1'));
          } catch (error) {
            fail(error as Error);
            return;
          }
          bodyStart = end + 4;
          if (head.status === 101) {
            const accept = head.headers['sec-websocket-accept'];
            if (accept !== expectedAccept) {
              fail(new Error(`bad Sec-WebSocket-Accept: expected ${expectedAccept}, got ${accept ?? '(none)'}`));
              return;
            }
            cleanup();
            resolve(new RawWebSocket(socket, received.subarray(bodyStart)));
            return;
          }
        }
        const length = Number(head.headers['content-length']);
        if (Number.isInteger(length) && received.length - bodyStart >= length) rejectWithBody();
      };
      const onEnd = (): void => {
        if (head !== undefined) {
          rejectWithBody();
          return;
        }
        const why = connectError === undefined ? '' : `: ${connectError.message}`;
        fail(connectError ?? new Error(`connection to ${url} closed before the upgrade response was complete${why}`));
      };
      const timer = setTimeout(() => {
        if (head !== undefined) {
          rejectWithBody();
          return;
        }
        fail(new Error(`RawWebSocket.connect to ${url} timed out after ${timeoutMs} ms`));
      }, timeoutMs);

      socket.on('error', (error) => {
        connectError ??= error;
        if (head === undefined) fail(error);
      });
      socket.once(secure ? 'secureConnect' : 'connect', onConnect);
      socket.on('data', onData);
      socket.on('end', onEnd);
      socket.on('close', onEnd);
    });
  }

  /** True once the TCP socket has closed. */
  get isEnded(): boolean {
    return this.#isEnded;
  }

  /** Sends a text frame (masked). */
  sendText(text: string): void {
    this.sendFrame(Opcode.TEXT, text);
  }

  /** Encodes one frame with {@link encodeFrame} and writes it. */
  sendFrame(opcode: number, payload: Buffer | string, options?: FrameOptions): void {
    const frame = encodeFrame(opcode, payload, options);
    if (opcode === Opcode.CLOSE) this.#closeSent = true;
    this.write(frame);
  }

  /**
   * Writes raw bytes to the socket as they are (e.g. several frames
   * concatenated in one write = one TCP segment). Does nothing once the socket
   * is no longer writable, so tests may poke at a connection the server is closing.
   */
  write(bytes: Buffer): void {
    if (this.#socket.destroyed || this.#socket.writableEnded) return;
    this.#socket.write(bytes);
  }

  /** Sends a Close frame with code/reason (reason optional; no code = empty payload). */
  close(code?: number, reason?: string): void {
    if (code === undefined) {
      if (reason !== undefined) throw new TypeError('RawWebSocket.close: a reason needs a code');
      this.sendFrame(Opcode.CLOSE, Buffer.alloc(0));
      return;
    }
    const payload = Buffer.concat([Buffer.alloc(2), Buffer.from(reason ?? '', 'utf8')]);
    payload.writeUInt16BE(code, 0);
    this.sendFrame(Opcode.CLOSE, payload);
  }

  /** Destroys the TCP socket at once. */
  destroy(): void {
    this.#socket.destroy();
  }

  /**
   * Next data or control frame received (text, binary, ping, pong, close,
   * continuation), in order. Rejects after `timeoutMs`, or as soon as the
   * connection ends with no frame left.
   */
  nextFrame(timeoutMs: number = DEFAULT_FRAME_TIMEOUT_MS): Promise<Frame> {
    return this.#take('the next frame', timeoutMs);
  }

  /**
   * Next TEXT frame's payload as UTF-8, skipping pings and pongs. Rejects if a
   * close or any other frame arrives first, on timeout, or when the connection ends.
   */
  async nextText(timeoutMs: number = DEFAULT_FRAME_TIMEOUT_MS): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const frame = await this.#take('a text frame', Math.max(0, deadline - performance.now()), timeoutMs);
      if (frame.opcode === Opcode.PING || frame.opcode === Opcode.PONG) continue;
      if (frame.opcode === Opcode.TEXT) return frame.payload.toString('utf8');
      throw new Error(`expected a text frame, got a ${describeFrame(frame)}`);
    }
  }

  #take(what: string, waitMs: number, totalMs = waitMs): Promise<Frame> {
    const queued = this.#frames.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#noMoreFrames) return Promise.reject(this.#endedError(what));
    return new Promise<Frame>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(waiter);
        if (index !== -1) this.#waiters.splice(index, 1);
        reject(new Error(`timed out after ${totalMs} ms waiting for ${what}`));
      }, waitMs);
      this.#waiters.push(waiter);
    });
  }

  #endedError(what: string): Error {
    const close =
      this.#receivedClose === undefined ? 'no close frame' : `server sent ${describeClose(this.#receivedClose)}`;
    const error = this.#error === undefined ? '' : `, socket error: ${this.#error.message}`;
    return new Error(`connection ended while waiting for ${what} (${close}${error})`);
  }

  #endOfFrames(): void {
    if (this.#noMoreFrames) return;
    this.#noMoreFrames = true;
    if (this.#receivedClose === undefined) this.#rejectCloseFrame(this.#endedError('a close frame'));
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#endedError('the next frame'));
  }

  #onData(chunk: Buffer): void {
    if (chunk.length > 0) this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const frame = this.#parseOne();
      if (frame === undefined) return;
      this.#onFrame(frame);
    }
  }

  /** Takes one complete frame off the buffer, or returns undefined if it is not all there yet. */
  #parseOne(): Frame | undefined {
    const buf = this.#buffer;
    if (buf.length < 2) return undefined;
    const b0 = buf.readUInt8(0);
    const b1 = buf.readUInt8(1);
    let offset = 2;
    let length = b1 & 0x7f;
    if (length === 126) {
      if (buf.length < 4) return undefined;
      length = buf.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buf.length < 10) return undefined;
      const big = buf.readBigUInt64BE(2);
      if (big > BigInt(MAX_PAYLOAD)) {
        this.#error ??= new Error(`server frame declares a ${big}-byte payload; giving up on the stream`);
        this.#buffer = Buffer.alloc(0);
        this.#socket.destroy();
        return undefined;
      }
      length = Number(big);
      offset = 10;
    }
    const masked = (b1 & 0x80) !== 0;
    const keyOffset = offset;
    if (masked) offset += 4;
    if (buf.length < offset + length) return undefined;
    const payload = Buffer.from(buf.subarray(offset, offset + length));
    if (masked) {
      for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ buf.readUInt8(keyOffset + (i & 3));
    }
    this.#buffer = buf.subarray(offset + length);
    return { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload };
  }

  #onFrame(frame: Frame): void {
    if (frame.opcode === Opcode.PING && this.autoPong) {
      this.sendFrame(Opcode.PONG, frame.payload);
    } else if (frame.opcode === Opcode.CLOSE && this.#receivedClose === undefined) {
      const info = parseClose(frame.payload);
      this.#receivedClose = info;
      this.#resolveCloseFrame(info);
      if (this.autoCloseReply) {
        if (!this.#closeSent) this.close(info.code);
        this.#socket.end();
      }
    }
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#frames.push(frame);
    else waiter.resolve(frame);
  }
}
