import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from './cli-helpers.js';

/** The check `npm test` and `.ci/run` start with. */
const SCRIPT = fileURLToPath(new URL('../../../../scripts/test-deps.js', import.meta.url));

interface Requirement {
  name: string;
  commands: string[];
  packages: Record<string, string>;
}
interface Os {
  name: string;
  manager: string | undefined;
  root?: boolean;
}
const testDeps = (await import(SCRIPT)) as {
  REQUIREMENTS: Requirement[];
  describeOs(platform: string, osRelease: string | undefined): Os;
  advice(requirement: Requirement, os: Os, env: NodeJS.ProcessEnv): string;
};
const PROGRAMS = testDeps.REQUIREMENTS.map((r) => r.name);

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n';
const FEDORA = 'NAME="Fedora Linux"\nPRETTY_NAME="Fedora Linux 40 (Workstation Edition)"\nID=fedora\n';

const isRoot = process.getuid?.() === 0;
/** Someone who is not root, to run the check as when the tests run as root. */
const NOBODY = 65534;

/**
 * A directory to be the whole PATH, writable by anyone, holding `programs`: each a
 * Node.js script that appends its name, arguments and DEBIAN_FRONTEND to `calls.log`
 * and runs `body` (JavaScript, with `args` and `dir` in scope).
 */
function fakePath(programs: Record<string, string>): { dir: string; calls(): string[] } {
  const dir = tempDir();
  chmodSync(dir, 0o777);
  const log = join(dir, 'calls.log');
  for (const [name, body] of Object.entries(programs)) {
    const file = join(dir, name);
    writeFileSync(
      file,
      `#!${process.execPath}\n` +
        "const { appendFileSync, writeFileSync, chmodSync } = require('node:fs');\n" +
        "const { spawnSync } = require('node:child_process');\n" +
        `const dir = ${JSON.stringify(dir)};\n` +
        'const args = process.argv.slice(2);\n' +
        `appendFileSync(${JSON.stringify(log)}, [${JSON.stringify(name)}, ...args, 'DEBIAN_FRONTEND=' + (process.env.DEBIAN_FRONTEND ?? '')].join(' ') + '\\n');\n` +
        `${body}\n`,
    );
    chmodSync(file, 0o755);
  }
  return { dir, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

/** A program that exists and does nothing. */
const PRESENT = 'process.exit(0);';
/** Every program the tests need, present. */
const EVERYTHING = { 'redis-server': PRESENT, openssl: PRESENT, chromium: PRESENT };
/** apt-get that "installs" each package named after `install` as an executable in the fake PATH. */
const APT_GET = `
if (args[0] === 'install') {
  for (const name of args.filter((a) => !a.startsWith('-')).slice(1)) {
    writeFileSync(dir + '/' + name, '#!/bin/sh\\n');
    chmodSync(dir + '/' + name, 0o755);
  }
}`;
/** Passwordless sudo: \`-n VAR=value… COMMAND ARGS\` runs COMMAND with those variables. */
const SUDO_OK = `
const rest = args.slice(1);
const env = { ...process.env };
while (/^[A-Z_]+=/.test(rest[0] ?? '')) { const [k, v] = rest.shift().split('='); env[k] = v; }
if (rest[0] === 'true') process.exit(0);
process.exit(spawnSync(rest[0], rest.slice(1), { env, stdio: 'inherit' }).status ?? 1);`;
/** sudo that wants a password. */
const SUDO_ASKS = "console.error('sudo: a password is required'); process.exit(1);";

/** Runs the check with `dir` as the whole PATH and `osRelease` as /etc/os-release; `uid` to run as someone else. */
function check(dir: string, osRelease: string, options: { uid?: number; env?: NodeJS.ProcessEnv } = {}) {
  const file = join(dir, 'os-release');
  writeFileSync(file, osRelease);
  const started = performance.now();
  const result = spawnSync(process.execPath, [SCRIPT, '--os-release', file], {
    env: { PATH: dir, HOME: dir, ...options.env },
    encoding: 'utf8',
    timeout: 20_000,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  return {
    status: result.status,
    lines: result.stderr.trim() === '' ? [] : result.stderr.trim().split('\n'),
    ms: performance.now() - started,
  };
}

describe('scripts/test-deps.js – what the tests need, checked before they run', () => {
  it('with everything on PATH it says nothing and exits 0', () => {
    const { dir, calls } = fakePath({ ...EVERYTHING, 'apt-get': APT_GET });
    const result = check(dir, DEBIAN);
    assert.deepEqual(result.lines, []);
    assert.equal(result.status, 0);
    assert.deepEqual(calls(), [], 'nothing was run, not even apt-get');
  });

  it('on an OS it cannot install on, it names each missing program in one line with the command for that OS and exits 1 within seconds', () => {
    const { dir } = fakePath({});
    const result = check(dir, FEDORA);
    assert.equal(result.status, 1);
    assert.ok(result.ms < 10_000, `${Math.round(result.ms)} ms`);
    assert.deepEqual(
      result.lines.map((line) =>
        /^test-deps: (\S+) \(.*\) is missing on Fedora Linux 40 \(Workstation Edition\): (.*)$/.exec(line)?.slice(1),
      ),
      [
        ['redis-server', `${isRoot ? '' : 'sudo '}dnf install -y redis`],
        ['openssl', `${isRoot ? '' : 'sudo '}dnf install -y openssl`],
        ['chromium', `${isRoot ? '' : 'sudo '}dnf install -y chromium`],
      ],
    );
  });

  it('on Debian without apt-get on PATH it says so, names each missing program with its apt-get line, and exits 1', () => {
    const { dir, calls } = fakePath({ openssl: PRESENT, sudo: SUDO_OK });
    const result = check(dir, DEBIAN);
    assert.equal(result.status, 1);
    assert.deepEqual(result.lines, [
      'test-deps: cannot install here: apt-get is not on PATH',
      `test-deps: redis-server (the cluster and Redis tests start their own) is missing on Debian GNU/Linux 12 (bookworm): ${isRoot ? '' : 'sudo '}apt-get install -y redis-server`,
      `test-deps: chromium (the server browser's page tests drive it through playwright-core, which downloads no browser) is missing on Debian GNU/Linux 12 (bookworm): ${isRoot ? '' : 'sudo '}apt-get install -y chromium`,
    ]);
    assert.deepEqual(calls(), []);
  });

  it('on Debian, not root, where sudo asks for a password: it never tries to install, names each missing program and exits 1', () => {
    const { dir, calls } = fakePath({ 'apt-get': APT_GET, sudo: SUDO_ASKS });
    const result = check(dir, DEBIAN, isRoot ? { uid: NOBODY } : {});
    assert.equal(result.status, 1);
    assert.equal(
      result.lines[0],
      'test-deps: cannot install here: not root, and sudo asks for a password (or is not installed)',
    );
    assert.deepEqual(
      result.lines.slice(1).map((line) => /^test-deps: (\S+) .*: sudo apt-get install -y (\S+)$/.exec(line)?.slice(1)),
      [
        ['redis-server', 'redis-server'],
        ['openssl', 'openssl'],
        ['chromium', 'chromium'],
      ],
    );
    assert.deepEqual(calls(), ['sudo -n true DEBIAN_FRONTEND='], 'only asked sudo whether it needs a password');
  });

  it('on Debian with passwordless sudo it installs exactly the missing packages with apt-get, non-interactively, and exits 0', () => {
    const { dir, calls } = fakePath({ openssl: PRESENT, 'apt-get': APT_GET, sudo: SUDO_OK });
    const result = check(dir, DEBIAN, isRoot ? { uid: NOBODY } : {});
    assert.equal(result.status, 0, result.lines.join('\n'));
    assert.deepEqual(result.lines, ['test-deps: installing redis-server, chromium with apt-get (the tests need them)']);
    const aptGet = join(dir, 'apt-get');
    assert.deepEqual(calls(), [
      'sudo -n true DEBIAN_FRONTEND=',
      `sudo -n DEBIAN_FRONTEND=noninteractive ${aptGet} update -qq DEBIAN_FRONTEND=noninteractive`,
      'apt-get update -qq DEBIAN_FRONTEND=noninteractive',
      `sudo -n DEBIAN_FRONTEND=noninteractive ${aptGet} install -y -qq redis-server chromium DEBIAN_FRONTEND=noninteractive`,
      'apt-get install -y -qq redis-server chromium DEBIAN_FRONTEND=noninteractive',
    ]);
  });

  it('on Ubuntu as root it installs with apt-get directly, and the same packages', {
    skip: !isRoot && 'needs root',
  }, () => {
    const { dir, calls } = fakePath({ 'apt-get': APT_GET, sudo: SUDO_ASKS });
    const result = check(dir, 'PRETTY_NAME="Ubuntu 24.04 LTS"\nID=ubuntu\nID_LIKE=debian\n');
    assert.equal(result.status, 0, result.lines.join('\n'));
    assert.deepEqual(calls(), [
      'apt-get update -qq DEBIAN_FRONTEND=noninteractive',
      `apt-get install -y -qq ${PROGRAMS.join(' ')} DEBIAN_FRONTEND=noninteractive`,
    ]);
  });

  it('when apt-get fails, what is still missing is named and it exits 1', { skip: !isRoot && 'needs root' }, () => {
    const { dir } = fakePath({ 'apt-get': 'process.exit(100);' });
    const result = check(dir, DEBIAN);
    assert.equal(result.status, 1);
    assert.equal(result.lines.length, 1 + PROGRAMS.length);
  });

  it('a CHROMIUM that names no executable is reported as such, not installed over', () => {
    const { dir, calls } = fakePath({ ...EVERYTHING, 'apt-get': APT_GET });
    const result = check(dir, DEBIAN, { env: { CHROMIUM: join(dir, 'no-such-chromium') } });
    assert.equal(result.status, 1);
    assert.deepEqual(result.lines, [
      `test-deps: chromium (the server browser's page tests drive it through playwright-core, which downloads no browser): CHROMIUM=${join(dir, 'no-such-chromium')} is not an executable file; fix or unset CHROMIUM`,
    ]);
    assert.deepEqual(calls(), []);
  });

  it('an unknown argument exits 2 naming it', () => {
    const result = spawnSync(process.execPath, [SCRIPT, '--install-everything'], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown argument --install-everything/);
  });

  for (const [platform, osRelease, line] of [
    ['darwin', undefined, 'is missing on macOS: brew install redis'],
    ['linux', 'ID=alpine\nPRETTY_NAME="Alpine Linux v3.20"', 'is missing on Alpine Linux v3.20: sudo apk add redis'],
    ['linux', 'ID=arch\nNAME="Arch Linux"', 'is missing on Arch Linux: sudo pacman -S --needed redis'],
    [
      'linux',
      'ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\nNAME=openSUSE',
      'is missing on openSUSE: sudo zypper install -y redis',
    ],
    [
      'linux',
      'ID=linuxmint\nID_LIKE="ubuntu debian"\nNAME="Linux Mint"',
      'is missing on Linux Mint: sudo apt-get install -y redis-server',
    ],
    [
      'linux',
      'ID=rocky\nID_LIKE="rhel centos fedora"\nNAME="Rocky Linux"',
      'is missing on Rocky Linux: sudo dnf install -y redis',
    ],
    [
      'linux',
      'ID=nixos\nNAME=NixOS',
      'is missing on NixOS: install it with the package manager of NixOS so that "redis-server" is on PATH',
    ],
    ['linux', undefined, 'is missing on this Linux: install it with the package manager of this Linux'],
  ] as const) {
    it(`says how to get redis-server on ${platform} ${osRelease?.split('\n')[0] ?? 'without os-release'}`, () => {
      const [redis] = testDeps.REQUIREMENTS;
      const advice = testDeps.advice(redis as Requirement, testDeps.describeOs(platform, osRelease), {});
      assert.ok(advice.startsWith('redis-server (') && advice.includes(line), advice);
    });
  }

  it('says how to get Chromium on macOS (a cask)', () => {
    const chromium = testDeps.REQUIREMENTS.find((r) => r.name === 'chromium') as Requirement;
    assert.match(
      testDeps.advice(chromium, testDeps.describeOs('darwin', undefined), {}),
      /: brew install --cask chromium$/,
    );
  });

  it('.ci/run runs this check before npm ci and npm test, and names no package of its own', () => {
    const ci = readFileSync(fileURLToPath(new URL('../../../../.ci/run', import.meta.url)), 'utf8');
    const steps = ci.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    const at = (step: string) => steps.indexOf(step);
    assert.ok(at('node scripts/test-deps.js') >= 0 && at('node scripts/test-deps.js') < at('npm ci'), ci);
    assert.ok(at('npm ci') < at('npm test'), ci);
    assert.ok(!/apt-get|redis-server|chromium|openssl/.test(steps.join('\n')), 'no second list of packages');
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../package.json', import.meta.url)), 'utf8'));
    assert.match(pkg.scripts.test, /^node scripts\/test-deps\.js && /, 'npm test starts with the check');
  });
});
