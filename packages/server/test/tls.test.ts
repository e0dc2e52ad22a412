import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { fetchRaw, RawWebSocket, registrationText, serverInfo, TestGameServer, waitFor } from '@masterserver/testing';
import { MasterServer } from '../src/index.js';
import { makeCertificate, startServe, tempDir } from './cli-helpers.js';
import { TOKEN } from './helpers.js';

/** The subject CN of the certificate a TLS server presents now. */
function presentedName(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const cn = socket.getPeerCertificate().subject.CN;
      socket.destroy();
      resolve(Array.isArray(cn) ? cn.join() : (cn ?? ''));
    });
    socket.on('error', reject);
  });
}

describe('TLS: one port speaks HTTPS and WSS', () => {
  it('a WSS registration and an HTTPS list work; plain HTTP to the TLS port fails', async () => {
    const dir = tempDir();
    const paths = makeCertificate(dir, 'one');
    const ca = readFileSync(paths.cert);
    const ms = new MasterServer({ regTokens: [TOKEN], tls: { cert: ca, key: readFileSync(paths.key) } });
    const url = await ms.listen({ host: '127.0.0.1', port: 0 });
    try {
      assert.match(url, /^https:\/\//);
      const gs = await TestGameServer.connect(`${url.replace('https', 'wss')}/v2/server/ws`, TOKEN, { tls: { ca } });
      assert.equal((await gs.register({ name: 'secure' })).value.success, true);
      const list = await fetchRaw(`${url}/v2/client/servers`, { ca });
      assert.equal(list.status, 200);
      assert.equal((list.json as Array<{ name: string }>)[0]?.name, 'secure');
      await assert.rejects(fetchRaw(`${url.replace('https', 'http')}/v2/client/servers`));
      await assert.rejects(fetchRaw(`${url}/healthz`), 'an unknown CA is refused by the client');
      gs.socket.destroy();
    } finally {
      await ms.close();
    }
  });

  it('a TLS handshake that never comes is cut off at the headers timeout', async () => {
    const dir = tempDir();
    const paths = makeCertificate(dir, 'slow');
    const ms = new MasterServer({
      regTokens: [TOKEN],
      tls: { cert: readFileSync(paths.cert), key: readFileSync(paths.key) },
      headersTimeout: 500,
      requestTimeout: 500,
    });
    const url = await ms.listen({ host: '127.0.0.1', port: 0 });
    // A client that connects and sends nothing, and one that stops after its first bytes of a ClientHello.
    const silent = netConnect(Number(new URL(url).port), '127.0.0.1');
    const partial = netConnect(Number(new URL(url).port), '127.0.0.1', () => partial.write(Buffer.from([22, 3, 1, 2])));
    try {
      const closed = [silent, partial].map(
        (socket) =>
          new Promise<boolean>((resolve) => {
            socket.on('error', () => {});
            socket.resume();
            const timer = setTimeout(() => resolve(false), 15_000);
            socket.once('close', () => {
              clearTimeout(timer);
              resolve(true);
            });
          }),
      );
      assert.deepEqual(await Promise.all(closed), [true, true], 'the masterserver closed both well before 15 s');
    } finally {
      silent.destroy();
      partial.destroy();
      await ms.close();
    }
  });

  it('refuses TLS 1.1', async () => {
    const dir = tempDir();
    const paths = makeCertificate(dir, 'old');
    const ms = new MasterServer({
      regTokens: [TOKEN],
      tls: { cert: readFileSync(paths.cert), key: readFileSync(paths.key) },
    });
    const url = await ms.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = Number(new URL(url).port);
      await assert.rejects(
        new Promise((resolve, reject) => {
          const socket = tlsConnect(
            { host: '127.0.0.1', port, rejectUnauthorized: false, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' },
            () => resolve(socket),
          );
          socket.on('error', reject);
        }),
      );
    } finally {
      await ms.close();
    }
  });

  it('serve --tls-cert/--tls-key; SIGHUP loads a new certificate without dropping connections', async () => {
    const dir = tempDir();
    const first = makeCertificate(dir, 'first');
    const second = makeCertificate(dir, 'second');
    const live = { cert: join(dir, 'live.crt'), key: join(dir, 'live.key') };
    copyFileSync(first.cert, live.cert);
    copyFileSync(first.key, live.key);
    const caFirst = readFileSync(first.cert);
    const caSecond = readFileSync(second.cert);
    const ms = await startServe([
      '--listen',
      '127.0.0.1:0',
      '--data-dir',
      dir,
      '--reg-token',
      TOKEN,
      '--tls-cert',
      live.cert,
      '--tls-key',
      live.key,
    ]);
    try {
      assert.match(ms.url, /^https:/);
      const port = Number(new URL(ms.url).port);
      assert.equal(await presentedName(port, caFirst), 'first');
      const ws = await RawWebSocket.connect(ms.wsUrl, { tls: { ca: caFirst } });
      ws.sendText(registrationText(TOKEN, serverInfo({ name: 'kept' }), 1));
      assert.equal(JSON.parse(await ws.nextText()).success, true);
      copyFileSync(second.cert, live.cert);
      copyFileSync(second.key, live.key);
      ms.child.kill('SIGHUP');
      await waitFor('the reload logged', () => ms.stdout().includes('"msg":"TLS certificate reloaded"'), 10_000);
      assert.equal(await presentedName(port, caSecond), 'second', 'new handshakes get the new certificate');
      ws.sendText(registrationText(TOKEN, serverInfo({ name: 'kept' }), 2));
      assert.equal(JSON.parse(await ws.nextText()).success, true, 'the open connection survived the reload');
      ws.destroy();
    } finally {
      await ms.stop();
    }
  });

  it('a bad certificate path, or one flag without the other, exits 2 naming the flag', async () => {
    const { runCli } = await import('./cli-helpers.js');
    const missing = runCli([
      'serve',
      '--tls-cert',
      '/nonexistent.crt',
      '--tls-key',
      '/nonexistent.key',
      '--data-dir',
      tempDir(),
    ]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--tls-cert: cannot read \/nonexistent\.crt/);
    const alone = runCli(['serve', '--tls-cert', '/x.crt', '--data-dir', tempDir()]);
    assert.equal(alone.status, 2);
    assert.match(alone.stderr, /--tls-cert and --tls-key go together/);
    const dir = tempDir();
    const a = makeCertificate(dir, 'a');
    const b = makeCertificate(dir, 'b');
    const mismatch = runCli(['serve', '--tls-cert', a.cert, '--tls-key', b.key, '--data-dir', dir]);
    assert.equal(mismatch.status, 2);
    assert.match(mismatch.stderr, /--tls-key: .* are not a valid key and certificate/);
  });
});
