import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetchRaw, registrationText, serverInfo, waitFor } from '@masterserver/testing';
import { startMs, type TestMs, TOKEN } from './helpers.js';

const ok = (id: number): string => `{"metadata":{"type":-1,"id":${id}},"success":true}`;

describe('names shown in the list are cleaned of invisible and control characters', () => {
  let t: TestMs;
  before(async () => {
    t = await startMs();
  });
  after(() => t.close());

  const listed = (port: number): Promise<Record<string, unknown>> =>
    waitFor(`the server on port ${port} listed`, async () => {
      const res = await fetchRaw(`${t.url}/v2/client/servers`);
      const servers = res.json as Array<Record<string, unknown>>;
      return servers.find((s) => s.playlist === `pl-${port}` || s.name === `port-${port}`);
    });

  it('GET /v2/client/servers shows name, desc and map cleaned, as the registration wrote them otherwise', async () => {
    const gs = await t.connect();
    const answer = await gs.register({
      name: '[NS]\u200B  Kodai\u0007 ',
      desc: ' Casual\r\n\r\n  EU\u00A0only\u202E ',
      map: '\u3000mp_box\u00AD',
      playlist: 'pl-41001',
      port: 41001,
    });
    assert.equal(answer.text, ok(1));
    const server = await listed(41001);
    assert.equal(server.name, '[NS] Kodai');
    assert.equal(server.desc, 'Casual\nEU only');
    assert.equal(server.map, 'mp_box');
    const one = await fetchRaw(`${t.url}/v2/client/servers/${String(server.id)}`);
    assert.equal((one.json as Record<string, unknown>).name, '[NS] Kodai');
    await gs.close();
  });

  it('characters written as JSON escapes (\\u202e, \\ufeff, a lone \\ud800) are cleaned the same way', async () => {
    const gs = await t.connect();
    const text = registrationText(TOKEN, serverInfo({ name: 'NAME', playlist: 'pl-41002', port: 41002 }), 1).replace(
      '"name":"NAME"',
      '"name":"\\ufeff\\u202eEscaped\\u202c \\ud800 name\\u0000"',
    );
    gs.socket.sendText(text);
    assert.equal((await gs.next()).text, ok(1));
    assert.equal((await listed(41002)).name, 'Escaped name');
    await gs.close();
  });

  it('a registration repeated with the same uncleaned info keeps its listing and id', async () => {
    const gs = await t.connect();
    const dirty = { name: 'port-41003\u200B', port: 41003 };
    assert.equal((await gs.register(dirty, 1)).text, ok(1));
    const first = await listed(41003);
    assert.equal((await gs.register(dirty, 2)).text, ok(2));
    assert.equal((await listed(41003)).id, first.id);
    await gs.close();
  });

  for (const [field, what, value] of [
    ['name', 'zero-width characters', '\u200B\u200C\u200D\u2060\uFEFF'],
    ['name', 'spaces, NBSP, ideographic space and tab', ' \u00A0\u3000\t '],
    ['map', 'bidi controls', '\u202E\u202C'],
    ['playlist', 'a BEL', '\u0007'],
  ] as const) {
    it(`a ${field} of only ${what} is empty once cleaned: error 2, Invalid server info: ${field}`, async () => {
      const gs = await t.connect();
      const answer = await gs.register({ [field]: value, port: 41004 }, 3);
      assert.equal(
        answer.text,
        `{"metadata":{"type":-1,"id":3},"success":false,"error":{"type":2,"msg":"Invalid server info: ${field}"}}`,
      );
      await gs.close();
    });
  }
});
