import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fetchRaw, TestGameServer, waitFor } from '@masterserver/testing';
import { startServe, tempDir } from './cli-helpers.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The version of a package installed in this repository. */
const versionOf = (name: string): string =>
  (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

describe('the server package, packed and installed on its own', () => {
  it('installs from its tarball (with the protocol and SDK tarballs, never the web or testing packages) and serves the page, the API and gs-sim', async () => {
    const packs = tempDir();
    const app = tempDir();
    await run(
      npm,
      [
        'pack',
        '--silent',
        '--pack-destination',
        packs,
        '-w',
        '@masterserver/protocol',
        '-w',
        '@masterserver/sdk',
        '-w',
        '@masterserver/server',
      ],
      {
        cwd: root,
        timeout: 120_000,
      },
    );
    const tarballs = readdirSync(packs).filter((name) => name.endsWith('.tgz'));
    assert.equal(tarballs.length, 3, tarballs.join(', '));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    // better-sqlite3 compiles from source when no prebuilt binary can be fetched: install it without its script,
    // pinned to this repository's version, and give it this repository's build (same Node.js, same version).
    await run(
      npm,
      [
        'install',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        ...tarballs.map((name) => join(packs, name)),
        `better-sqlite3@${versionOf('better-sqlite3')}`,
      ],
      { cwd: app, timeout: 180_000 },
    );
    cpSync(join(root, 'node_modules/better-sqlite3/build'), join(app, 'node_modules/better-sqlite3/build'), {
      recursive: true,
    });
    const installed = readdirSync(join(app, 'node_modules/@masterserver')).sort();
    assert.deepEqual(installed, ['protocol', 'sdk', 'server'], 'no web or testing package');
    assert.ok(existsSync(join(app, 'node_modules/@masterserver/server/dist/public/index.html')), 'the page is in it');
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules/@masterserver/server/package.json'), 'utf8'));
    assert.deepEqual(Object.keys(manifest.optionalDependencies), ['@masterserver/sdk']);
    assert.equal(manifest.dependencies['@masterserver/web'], undefined);

    const bin = join(app, 'node_modules/@masterserver/server/bin/masterserver.js');
    const version = await run(process.execPath, [bin, '--version'], { cwd: app });
    assert.equal(version.stdout.trim(), manifest.version);
    const ms = await startServe(
      ['--listen', '127.0.0.1:0', '--reg-token', 'packed', '--data-dir', join(app, 'data')],
      {},
      bin,
    );
    try {
      const page = await fetchRaw(`${ms.url}/`);
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      const gs = await TestGameServer.connect(ms.wsUrl, 'packed');
      assert.equal((await gs.register({ name: 'from-the-tarball' })).value.success, true);
      gs.socket.destroy();
      // gs-sim runs on the SDK, the optional dependency; without it, it says what to install.
      const sim = execFile(
        process.execPath,
        [bin, 'gs-sim', '--ms', ms.wsUrl, '--reg-token', 'packed', '--no-udp', '--name', 'packed-sim'],
        {
          cwd: app,
        },
      );
      await waitFor(
        'gs-sim listed',
        async () =>
          ((await fetchRaw(`${ms.url}/v2/client/servers`)).json as Array<{ name: string }>).some(
            (s) => s.name === 'packed-sim-1',
          ),
        10_000,
      );
      sim.kill('SIGTERM');
      rmSync(join(app, 'node_modules/@masterserver/sdk'), { recursive: true });
      const without = await run(process.execPath, [bin, 'gs-sim', '--ms', ms.wsUrl, '--reg-token', 'packed'], {
        cwd: app,
      }).catch((error: { code: number; stderr: string }) => error);
      assert.equal((without as { code: number }).code, 2);
      assert.match(
        (without as { stderr: string }).stderr.trim(),
        /^masterserver gs-sim: needs the optional package @masterserver\/sdk/,
      );
    } finally {
      await ms.stop();
    }
  });
});
