import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeFrame, Opcode, RawWebSocket, registrationText, serverInfo } from '@masterserver/testing';
import { startMs, type TestMs, TOKEN } from './helpers.js';

const registration = (id: number | string, name = 'checks'): string =>
  registrationText(TOKEN, serverInfo({ name, port: 30000 + Number(id) }), id);

async function expectClose(ws: RawWebSocket, code: number): Promise<void> {
  const frame = await ws.closeFrame;
  assert.equal(frame.code, code, `expected close ${code}, got ${frame.code} (${frame.reason})`);
  assert.ok(frame.reason.length > 0, 'the close frame carries a reason');
}

// Rule 1 (UTF-8) and the frame-level faults (1002, 1003, 1009) are in rfc6455.test.ts.
describe('checks on every received message (docs/protocol.md#checks)', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs();
  });
  after(() => t.close());

  const connect = (): Promise<RawWebSocket> => RawWebSocket.connect(t.wsUrl);

  for (const text of ['not json', '{"metadata":', '[1,2]', '42', '"string"', 'null', '']) {
    it(`rule 2: ${JSON.stringify(text)} closes with 4000`, async () => {
      const ws = await connect();
      ws.sendText(text);
      await expectClose(ws, 4000);
    });
  }

  for (const text of [
    '{}',
    '{"metadata":{"type":1}}',
    '{"metadata":{"type":1,"id":1.5}}',
    '{"metadata":{"type":1,"id":1e3}}',
    '{"metadata":{"type":1,"id":"1"}}',
    '{"metadata":{"type":1,"id":9223372036854775808}}',
    '{"metadata":{"type":2,"id":1}}',
    '{"metadata":{"type":-1,"id":1}}',
    '{"metadata":{"type":"1","id":1}}',
  ]) {
    it(`rule 3: ${text} closes with 4001`, async () => {
      const ws = await connect();
      ws.sendText(text);
      await expectClose(ws, 4001);
    });
  }

  it('rule 4: a response with an unknown id is ignored: no close, no reply, the connection still works', async () => {
    const ws = await connect();
    ws.sendText('{"metadata":{"type":-2,"id":12345},"success":true}');
    ws.sendText('{"metadata":{"type":-2,"id":9223372036854775807},"success":"not even valid"}');
    ws.sendText(registration(1));
    assert.equal(await ws.nextText(), '{"metadata":{"type":-1,"id":1},"success":true}');
    ws.destroy();
  });

  for (const [what, text] of [
    ['no info', '{"metadata":{"type":1,"id":1},"regToken":"t"}'],
    ['a string port', registration(1).replace('"port":30001', '"port":"30001"')],
    ['port 70000', registration(1).replace('"port":30001', '"port":70000')],
    ['a fractional maxPlayers', registration(1).replace('"maxPlayers":16', '"maxPlayers":16.5')],
    ['no regToken', registration(1).replace(`,"regToken":"${TOKEN}"`, '')],
  ] as const) {
    it(`rule 5: a registration with ${what} closes with 4002`, async () => {
      const ws = await connect();
      ws.sendText(text);
      await expectClose(ws, 4002);
    });
  }

  it('a fragmented message is reassembled before any check', async () => {
    const ws = await connect();
    const text = registration(2);
    ws.write(
      Buffer.concat([
        encodeFrame(Opcode.TEXT, text.slice(0, 10), { fin: false }),
        encodeFrame(Opcode.CONTINUATION, text.slice(10, 40), { fin: false }),
        encodeFrame(Opcode.CONTINUATION, text.slice(40)),
      ]),
    );
    assert.equal(await ws.nextText(), '{"metadata":{"type":-1,"id":2},"success":true}');
    ws.destroy();
  });

  it('nothing after a bad message is acted on, even in the same TCP segment', async () => {
    const ws = await connect();
    ws.write(
      Buffer.concat([
        encodeFrame(Opcode.TEXT, registration(3, 'before-bad')),
        encodeFrame(Opcode.TEXT, '{"metadata":'),
        encodeFrame(Opcode.TEXT, registration(4, 'after-bad')),
      ]),
    );
    const first = await ws.nextFrame();
    assert.equal(first.payload.toString(), '{"metadata":{"type":-1,"id":3},"success":true}');
    const second = await ws.nextFrame();
    assert.equal(second.opcode, Opcode.CLOSE, `expected the close, got ${second.payload.toString()}`);
    assert.equal(second.payload.readUInt16BE(0), 4000);
    await ws.ended;
    const names = (await t.list()).map((s) => s.name);
    assert.ok(!names.includes('after-bad'), 'the message after the bad one was not acted on');
    assert.ok(!names.includes('before-bad'), 'the closed connection is delisted');
  });

  it('nothing after a wrong-schema message is acted on, even in the same TCP segment', async () => {
    const ws = await connect();
    ws.write(
      Buffer.concat([
        encodeFrame(Opcode.TEXT, '{"metadata":{"type":1,"id":5},"info":{},"regToken":"x"}'),
        encodeFrame(Opcode.TEXT, registration(6, 'after-schema')),
      ]),
    );
    const frame = await ws.nextFrame();
    assert.equal(frame.opcode, Opcode.CLOSE);
    assert.equal(frame.payload.readUInt16BE(0), 4002);
    await ws.ended;
    assert.ok(!(await t.list()).some((s) => s.name === 'after-schema'));
  });
});
