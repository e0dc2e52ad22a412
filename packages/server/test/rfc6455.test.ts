import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type CloseInfo,
  encodeFrame,
  Opcode,
  RawWebSocket,
  registrationText,
  serverInfo,
  waitFor,
} from '@masterserver/testing';
import { startMs, type TestMs, TOKEN } from './helpers.js';

/** The size limit of the shared MS: small, so that oversized messages stay small too. */
const MAX_MESSAGE = 4096;

const closePayload = (code: number, reason: Buffer | string = ''): Buffer => {
  const payload = Buffer.concat([Buffer.alloc(2), Buffer.from(reason)]);
  payload.writeUInt16BE(code, 0);
  return payload;
};

/** A valid registration's UTF-8 bytes. */
const registrationBytes = (name: string, port: number): Buffer =>
  Buffer.from(registrationText(TOKEN, serverInfo({ name, port })));

/** `bytes` cut at the given offsets. */
const split = (bytes: Buffer, ...at: number[]): Buffer[] =>
  [0, ...at].map((from, i) => bytes.subarray(from, at[i] ?? bytes.length));

/** Frames of one fragmented text message, one frame per part. */
const fragments = (parts: Buffer[]): Buffer =>
  Buffer.concat(
    parts.map((part, i) =>
      encodeFrame(i === 0 ? Opcode.TEXT : Opcode.CONTINUATION, part, { fin: i === parts.length - 1 }),
    ),
  );

describe('RFC 6455 frame faults from a raw socket: each closes its own connection with its code, the MS keeps serving others', () => {
  let t: TestMs;
  let bystanders = 0;
  before(async () => {
    t = await startMs({ maxMessageSize: MAX_MESSAGE, closeTimeout: 200 });
  });
  after(() => t.close());

  /** A well-behaved game server on another connection registers and is listed. */
  async function stillServing(): Promise<void> {
    const name = `bystander-${++bystanders}`;
    const gs = await t.connect();
    const answer = await gs.register({ name, port: 20000 + bystanders });
    assert.equal(answer.text, '{"metadata":{"type":-1,"id":1},"success":true}');
    await waitFor(`${name} listed`, async () => (await t.list()).some((s) => s.name === name), 5000);
    await gs.close();
  }

  /** Opens a fresh offender connection, lets `send` misbehave, and expects the MS's close frame with `code`. */
  async function offend(send: (ws: RawWebSocket) => void, code: number | undefined): Promise<CloseInfo> {
    const ws = await RawWebSocket.connect(t.wsUrl);
    send(ws);
    const frame = await ws.closeFrame;
    assert.equal(frame.code, code, `expected close ${code}, got ${frame.code} (${JSON.stringify(frame.reason)})`);
    const { closeFrame } = await ws.ended;
    assert.ok(closeFrame !== undefined, 'the MS ended the TCP connection after its close frame');
    await stillServing();
    return frame;
  }

  /** Expects a close with `code` and a human-readable reason, as docs/protocol.md#checks asks. */
  async function expectFault(send: (ws: RawWebSocket) => void, code: number): Promise<void> {
    const frame = await offend(send, code);
    assert.ok(frame.reason.length > 0, 'the close frame carries a reason');
  }

  describe('framing: 1002 protocol error', () => {
    it('an unmasked client frame closes with 1002', () =>
      expectFault((ws) => ws.sendFrame(Opcode.TEXT, registrationBytes('unmasked', 1), { mask: false }), 1002));

    for (const rsv of [0b100, 0b010, 0b001]) {
      it(`a frame with reserved bits ${rsv.toString(2).padStart(3, '0')} set closes with 1002`, () =>
        expectFault((ws) => ws.sendFrame(Opcode.TEXT, registrationBytes('rsv', 1), { rsv }), 1002));
    }

    for (const opcode of [3, 4, 5, 6, 7]) {
      it(`a frame with the reserved data opcode ${opcode} closes with 1002`, () =>
        expectFault((ws) => ws.sendFrame(opcode, '{}'), 1002));
    }

    for (const opcode of [11, 12, 13, 14, 15]) {
      it(`a frame with the reserved control opcode ${opcode} closes with 1002`, () =>
        expectFault((ws) => ws.sendFrame(opcode, ''), 1002));
    }

    it('a Ping with 126 bytes of payload (control frames carry at most 125) closes with 1002', () =>
      expectFault((ws) => ws.sendFrame(Opcode.PING, Buffer.alloc(126, 0x61)), 1002));

    it('a Ping with 125 bytes of payload is answered with a Pong carrying them', async () => {
      const ws = await RawWebSocket.connect(t.wsUrl);
      const payload = Buffer.alloc(125, 0x62);
      ws.sendFrame(Opcode.PING, payload);
      const frame = await ws.nextFrame();
      assert.equal(frame.opcode, Opcode.PONG);
      assert.deepEqual(frame.payload, payload);
      ws.destroy();
    });

    it('a fragmented Ping (control frame without FIN) closes with 1002', () =>
      expectFault((ws) => ws.sendFrame(Opcode.PING, 'a', { fin: false }), 1002));

    it('a continuation frame with no message to continue closes with 1002', () =>
      expectFault((ws) => ws.sendFrame(Opcode.CONTINUATION, '{}'), 1002));

    it('a new text frame while a fragmented message is unfinished closes with 1002', () =>
      expectFault((ws) => {
        ws.sendFrame(Opcode.TEXT, '{"metadata":', { fin: false });
        ws.sendFrame(Opcode.TEXT, '{}');
      }, 1002));

    it('a binary frame while a fragmented text message is unfinished closes with 1002', () =>
      expectFault((ws) => {
        ws.sendFrame(Opcode.TEXT, '{"metadata":', { fin: false });
        ws.sendFrame(Opcode.BINARY, 'x');
      }, 1002));

    it('a Ping between the fragments of a message is answered, and the message is then acted on', async () => {
      const ws = await RawWebSocket.connect(t.wsUrl);
      const [head, tail] = split(registrationBytes('ping-between', 21000), 20);
      ws.sendFrame(Opcode.TEXT, head ?? Buffer.alloc(0), { fin: false });
      ws.sendFrame(Opcode.PING, 'p');
      ws.sendFrame(Opcode.CONTINUATION, tail ?? Buffer.alloc(0));
      assert.equal((await ws.nextFrame()).opcode, Opcode.PONG);
      assert.equal(await ws.nextText(), '{"metadata":{"type":-1,"id":1},"success":true}');
      ws.destroy();
    });
  });

  describe('data: 1003 binary, 1007 invalid UTF-8', () => {
    it('a binary frame closes with 1003', () =>
      expectFault((ws) => ws.sendFrame(Opcode.BINARY, registrationBytes('binary', 1)), 1003));

    it('a text frame with bytes that are never UTF-8 (0xff 0xfe) closes with 1007', () =>
      expectFault((ws) => ws.sendFrame(Opcode.TEXT, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 1007));

    it('a lone surrogate encoded as UTF-8 (CESU) closes with 1007', () =>
      expectFault((ws) => ws.sendFrame(Opcode.TEXT, Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])), 1007));

    it('an overlong encoding of "/" (0xc0 0xaf) closes with 1007', () =>
      expectFault((ws) => ws.sendFrame(Opcode.TEXT, Buffer.from([0x22, 0xc0, 0xaf, 0x22])), 1007));

    it('a code point split across fragments is valid: the registration is accepted with its name intact', async () => {
      const name = 'split 🎮 é';
      const bytes = registrationBytes(name, 21001);
      const emoji = bytes.indexOf(Buffer.from('🎮'));
      const accent = bytes.indexOf(Buffer.from('é'));
      const ws = await RawWebSocket.connect(t.wsUrl);
      ws.write(fragments(split(bytes, emoji + 1, emoji + 3, accent + 1)));
      assert.equal(await ws.nextText(), '{"metadata":{"type":-1,"id":1},"success":true}');
      await waitFor('the split name listed', async () => (await t.list()).some((s) => s.name === name), 5000);
      ws.destroy();
    });

    it('invalid UTF-8 in the middle fragment of a message closes with 1007', () =>
      expectFault((ws) => ws.write(fragments([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}')])), 1007));

    it('a message whose fragments are valid until the last one ends inside a code point closes with 1007', () =>
      expectFault((ws) => {
        const emoji = Buffer.from('🎮');
        ws.write(fragments([Buffer.from('{"a":"x"}'), Buffer.from(' '), emoji.subarray(0, 2)]));
      }, 1007));
  });

  describe("the client's Close frame", () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
      it(`a Close with the code ${code} (not allowed on the wire) is answered with 1002`, () =>
        expectFault((ws) => ws.sendFrame(Opcode.CLOSE, closePayload(code)), 1002));
    }

    for (const code of [1000, 1001, 3000, 4000, 4999]) {
      it(`a Close with the code ${code} is echoed with ${code}`, async () => {
        const frame = await offend((ws) => ws.sendFrame(Opcode.CLOSE, closePayload(code, 'bye')), code);
        assert.equal(frame.reason, 'bye');
      });
    }

    it('a Close with no payload is answered with a Close with no payload', async () => {
      await offend((ws) => ws.sendFrame(Opcode.CLOSE, Buffer.alloc(0)), undefined);
    });

    it('a Close with a 1-byte payload (half a code) closes with 1002', () =>
      expectFault((ws) => ws.sendFrame(Opcode.CLOSE, Buffer.from([0x03])), 1002));

    it('a Close whose reason is not UTF-8 closes with 1007', () =>
      expectFault((ws) => ws.sendFrame(Opcode.CLOSE, closePayload(1000, Buffer.from([0x62, 0xff]))), 1007));
  });

  describe('lengths: 1009 too big', () => {
    it(`a message over the size limit (${MAX_MESSAGE} bytes) closes with 1009`, () =>
      expectFault((ws) => ws.sendFrame(Opcode.TEXT, Buffer.alloc(MAX_MESSAGE + 1, 0x20)), 1009));

    it('a message of exactly the size limit is read (and, being no JSON, closes with 4000)', () =>
      expectFault((ws) => ws.sendFrame(Opcode.TEXT, Buffer.alloc(MAX_MESSAGE, 0x78)), 4000));

    it('fragments that together pass the size limit close with 1009', () =>
      expectFault(
        (ws) => ws.write(fragments([Buffer.alloc(MAX_MESSAGE / 2, 0x20), Buffer.alloc(MAX_MESSAGE / 2 + 1, 0x20)])),
        1009,
      ));

    it('a 16-bit length over the limit closes with 1009 as soon as the header arrives, before any payload', () =>
      expectFault((ws) => ws.write(encodeFrame(Opcode.TEXT, '', { declaredLength: MAX_MESSAGE + 1 })), 1009));

    it('a 64-bit length over the limit closes with 1009 as soon as the header arrives, before any payload', () =>
      expectFault((ws) => ws.write(encodeFrame(Opcode.TEXT, '', { declaredLength: 2n ** 40n })), 1009));

    // RFC 6455 §5.2: the most significant bit of a 64-bit length MUST be 0. `ws` checks
    // the length against 2^53-1 first and answers 1009, which is also what docs/protocol.md#checks
    // says of a message over the size limit.
    it('a 64-bit length with the top bit set closes with 1009 as soon as the header arrives', () =>
      expectFault((ws) => ws.write(encodeFrame(Opcode.TEXT, '', { declaredLength: 2n ** 63n })), 1009));
  });
});
