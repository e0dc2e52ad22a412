import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CloseCode, RegistrationError, registrationErrorMessage } from '@masterserver/protocol';
import { freeUdpPorts, markdownTable, waitFor } from '@masterserver/testing';
import { ClusterKeys } from '../src/cluster/keys.js';
import { ApiError } from '../src/index.js';
import { spawnCaptured } from './cli-helpers.js';
import { startMs, TOKEN } from './helpers.js';

const doc = (name: string): string => readFileSync(new URL(`../../../../docs/${name}`, import.meta.url), 'utf8');

const table = (markdown: string, heading: string): string[][] => markdownTable(markdown, heading);

describe('the docs match the code', () => {
  it('docs/http-api.md lists every API error code with its status, and no other', () => {
    const rows = table(doc('http-api.md'), '## Error codes');
    const documented = Object.fromEntries(rows.map(([code, status]) => [code, Number(status)]));
    const actual = Object.fromEntries(Object.entries(ApiError).map(([code, { status }]) => [code, status]));
    assert.deepEqual(documented, actual);
  });

  it('docs/protocol.md lists every close code with its name, and no other', () => {
    const rows = table(doc('protocol.md'), '## Close codes');
    const documented = Object.fromEntries(rows.map(([code, name]) => [name, Number(code)]));
    assert.deepEqual(documented, { ...CloseCode });
  });

  it('docs/protocol.md lists every registration error type with its message', () => {
    const rows = table(doc('protocol.md'), '## Registration error types');
    assert.deepEqual(
      rows.map(([type]) => Number(type)),
      Object.values(RegistrationError),
    );
    for (const [type, msg] of rows) {
      assert.ok(msg?.startsWith(registrationErrorMessage[Number(type) as RegistrationError]), `type ${type}`);
    }
  });

  it('every citation of docs/protocol.md#ANCHOR in the sources, tests and docs names an anchor that exists', () => {
    const anchors = new Set([...doc('protocol.md').matchAll(/<a id="([\w-]+)"><\/a>/g)].map((m) => m[1]));
    const cited = citations(/(?:docs\/)?protocol\.md#([a-z][a-z0-9-]*)/g);
    assert.ok(cited.length >= 20, `${cited.length} citations`);
    for (const { file, anchor } of cited) assert.ok(anchors.has(anchor), `${file} cites protocol.md#${anchor}`);
  });

  it('docs/security.md names, for every threat, tests that exist in the files it names', () => {
    const rows = table(doc('security.md'), '## Threats and what answers them');
    assert.ok(rows.length >= 10, `${rows.length} threats`);
    const titles = testTitles();
    for (const [threat, , shownBy = ''] of rows) {
      const files = [...shownBy.matchAll(/([\w-]+\.test\.ts)/g)].map((m) => m[1] as string);
      const names = [...shownBy.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string);
      assert.ok(files.length > 0, `${threat}: no test file`);
      for (const file of files) assert.ok(titles.has(file), `${threat}: ${file} does not exist`);
      for (const name of names) {
        const found = files.some((file) => titles.get(file)?.some((title) => title.test(name)));
        assert.ok(found, `${threat}: no test "${name}" in ${files.join(', ')}`);
      }
    }
  });
});

/** Every match of `pattern` (its group 1) in the packages' sources and tests and in docs/, with its file. */
function citations(pattern: RegExp): Array<{ file: string; anchor: string }> {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const found: Array<{ file: string; anchor: string }> = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(`${root}${dir}`, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') visit(path);
      } else if (/\.(ts|tsx|md)$/.test(entry.name)) {
        const text = readFileSync(`${root}${path}`, 'utf8');
        for (const m of text.matchAll(pattern)) found.push({ file: path, anchor: m[1] as string });
      }
    }
  };
  visit('packages');
  visit('docs');
  return found;
}

/** Every test and group title in the test sources, by file name, as patterns (`${…}` in a template matches anything). */
function testTitles(): Map<string, RegExp[]> {
  const root = new URL('../../../../packages/', import.meta.url);
  const titles = new Map<string, RegExp[]>();
  for (const pkg of readdirSync(root)) {
    let files: string[];
    try {
      files = readdirSync(new URL(`${pkg}/test/`, root));
    } catch {
      continue;
    }
    for (const file of files.filter((name) => name.endsWith('.test.ts'))) {
      const source = readFileSync(new URL(`${pkg}/test/${file}`, root), 'utf8');
      const patterns = [...source.matchAll(/\b(?:it|test|describe)\(\s*(['"`])((?:\\.|(?!\1).)*?)\1/gs)].map((m) => {
        const parts = (m[2] as string).split(/\$\{[^}]*\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
        return new RegExp(`^${parts.join('.+')}$`);
      });
      titles.set(file, [...(titles.get(file) ?? []), ...patterns]);
    }
  }
  return titles;
}

describe('the README matches the code', () => {
  it('lists every Redis key and channel of a cluster, and no other', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const documented = markdownTable(readme, '### Redis keys and channels').map(([name]) => name);
    const keys = new ClusterKeys();
    const named = Object.entries(keys).flatMap(([field, value]) => (field === 'prefix' ? [] : [value as string]));
    const templated = [keys.server('{id}'), keys.secret('{name}'), keys.instance('{id}')];
    assert.deepEqual(documented.sort(), [...named, ...templated].sort());
  });
});

describe('the README, as a new user runs it', () => {
  it('"Try it": the shell snippet registers a game server and, once answered, lists it', async () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Try it'));
    const snippet = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
    if (snippet === undefined || !snippet.includes('/v2/client/servers'))
      assert.fail('the first sh block of "Try it" registers and lists');
    const t = await startMs();
    try {
      // As printed, with this test's token and port in place of the example's.
      const port = new URL(t.url).port;
      const script = snippet
        .replace(/^(export )?TOKEN=\S+/m, (_, exported: string | undefined) => `${exported ?? ''}TOKEN=${TOKEN}`)
        .replaceAll(':8080', `:${port}`);
      assert.notEqual(script, snippet);
      const run = await runShell(`${script}\nkill %1 2>/dev/null; wait`);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stdout.includes('"success":true'), run.stdout);
      const listed = JSON.parse(run.stdout.slice(run.stdout.indexOf('['))) as Array<{ name: string }>;
      assert.deepEqual(
        listed.map((s) => s.name),
        ['My server'],
      );
    } finally {
      await t.close();
    }
  });
});

describe('the README walk-through: the example game server and gs-sim side by side', () => {
  it('their default game ports do not meet: both run, all 101 are listed, nothing is superseded or refused', async () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Try it'));
    const snippet = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
      .map((m) => m[1] as string)
      .find((block) => block.includes('examples/game-server.js') && block.includes('gs-sim'));
    if (snippet === undefined) assert.fail('a sh block of "Try it" starts the example and gs-sim');
    const count = Number(/--count (\d+)/.exec(snippet)?.[1]);
    const simBase = 37015;
    const examplePort = Number(/const PORT = Number\(process\.env\.PORT \?\? (\d+)\)/.exec(example())?.[1]);
    assert.ok(
      examplePort >= simBase + count,
      `the example's ${examplePort} is past gs-sim's ${simBase}…${simBase + count - 1}`,
    );
    // As printed; only when this machine holds one of those ports already, every port moves by the same offset.
    const ports = [...Array.from({ length: count }, (_, i) => simBase + i), examplePort];
    const offset = (await allFree(ports)) ? 0 : (await freeUdpPorts(examplePort - simBase + 1)) - simBase;
    const t = await startMs();
    const script = snippet
      .replaceAll(':8080', `:${new URL(t.url).port}`)
      .replace('--count', offset === 0 ? '--count' : `--port ${simBase + offset} --count`);
    const shell = spawnCaptured('bash', ['-c', `${script}\nwait`], {
      cwd: fileURLToPath(new URL('../../../../', import.meta.url)),
      env: {
        ...process.env,
        TOKEN,
        MS_URL: t.wsUrl,
        ...(offset === 0 ? {} : { PORT: String(examplePort + offset) }),
      },
      detached: true,
    });
    const output = (): string => shell.stdout() + shell.stderr();
    try {
      await waitFor('101 listed servers', async () => (await t.list()).length === count + 1, 20_000, 100);
      const names = (await t.list()).map((server) => String(server.name));
      assert.ok(names.includes('Example server'), names.join(', '));
      assert.equal(names.filter((name) => /^sim-\d+$/.test(name)).length, count);
      await waitFor(
        'gs-sim saying all are registered',
        () => output().includes(`all ${count} servers registered`),
        5000,
      );
      assert.doesNotMatch(output(), /in use|not started|4005|superseded|reconnecting|retrying/, output());
      assert.match(shell.stdout(), /game server on udp\/\d+\nlisted on the masterserver/);
    } finally {
      process.kill(-(shell.child.pid as number), 'SIGTERM');
      await shell.exited;
      await t.close();
    }
  });
});

const example = (): string => readFileSync(new URL('../../../../examples/game-server.js', import.meta.url), 'utf8');

/** Whether every UDP port of `ports` can be bound on every IPv4 address now. */
async function allFree(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const socket = createSocket('udp4');
    const bound = await new Promise<boolean>((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, () => resolve(true));
    });
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    if (!bound) return false;
  }
  return true;
}

/** Runs `script` with bash in the repository's root (where `ws` resolves), with a 20 s limit. */
function runShell(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', script],
      { cwd: fileURLToPath(new URL('../../../../', import.meta.url)), timeout: 20_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr }),
    );
  });
}
