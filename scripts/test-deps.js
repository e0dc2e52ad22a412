#!/usr/bin/env node
// Checks, before any test runs, for the programs the test suite needs besides Node.js and node_modules; `npm test`
// and `.ci/run` both start with it, so the list below is the only one. What is missing is installed where that needs
// no question (Debian or Ubuntu, as root or with passwordless sudo, through apt-get); anywhere else it stops within
// seconds, with one line per missing program saying how to get it on this OS, and exit status 1.
// Usage: node scripts/test-deps.js [--os-release FILE]   (FILE: read instead of /etc/os-release)
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What the tests need. `commands`: the names looked up on PATH (the first found is used); `env`: a variable that
 * names the program's path instead; `packages`: its package for each package manager.
 */
export const REQUIREMENTS = [
  {
    name: 'redis-server',
    why: 'the cluster and Redis tests start their own',
    commands: ['redis-server'],
    packages: { apt: 'redis-server', brew: 'redis', dnf: 'redis', apk: 'redis', pacman: 'redis', zypper: 'redis' },
  },
  {
    name: 'openssl',
    why: 'the TLS tests make their certificates with it',
    commands: ['openssl'],
    packages: { apt: 'openssl', brew: 'openssl', dnf: 'openssl', apk: 'openssl', pacman: 'openssl', zypper: 'openssl' },
  },
  {
    name: 'chromium',
    why: "the server browser's page tests drive it through playwright-core, which downloads no browser",
    commands: ['chromium', 'chromium-browser'],
    env: 'CHROMIUM',
    packages: {
      apt: 'chromium',
      brew: '--cask chromium',
      dnf: 'chromium',
      apk: 'chromium',
      pacman: 'chromium',
      zypper: 'chromium',
    },
  },
];

/** How each package manager installs, as a person would type it. */
const INSTALL = {
  apt: 'sudo apt-get install -y',
  brew: 'brew install',
  dnf: 'sudo dnf install -y',
  apk: 'sudo apk add',
  pacman: 'sudo pacman -S --needed',
  zypper: 'sudo zypper install -y',
};

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first of `names` found on `path` (a PATH value), as a full path. */
export function onPath(names, path) {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    for (const name of names) if (isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Where `requirement` is on this machine, or undefined. A path named by its variable wins, and must be there. */
export function locate(requirement, env = process.env) {
  const named = requirement.env === undefined ? undefined : env[requirement.env];
  if (named) return isExecutable(named) ? named : undefined;
  return onPath(requirement.commands, env.PATH);
}

/** The Chromium the browser tests drive: `CHROMIUM`, else `chromium` (or `chromium-browser`) on PATH. */
export function chromiumPath(env = process.env) {
  return locate(
    REQUIREMENTS.find((r) => r.name === 'chromium'),
    env,
  );
}

/**
 * The OS and its package manager: `macOS`/`brew` on darwin; on Linux, from os-release's `ID` and `ID_LIKE`
 * (`apt` for Debian, Ubuntu and their derivatives). `manager` is undefined where none is known.
 */
export function describeOs(platform, osRelease) {
  if (platform === 'darwin') return { name: 'macOS', manager: 'brew' };
  const fields = Object.fromEntries(
    (osRelease ?? '')
      .split('\n')
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line.trim()))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[2].replace(/^["']|["']$/g, '')]),
  );
  const ids = [fields.ID ?? '', ...(fields.ID_LIKE ?? '').split(/\s+/)].filter(Boolean);
  const name = fields.PRETTY_NAME || fields.NAME || (platform === 'linux' ? 'this Linux' : platform);
  const by = [
    ['apt', ['debian', 'ubuntu']],
    ['dnf', ['fedora', 'rhel', 'centos']],
    ['apk', ['alpine']],
    ['pacman', ['arch']],
    ['zypper', ['suse', 'opensuse']],
  ];
  const manager = by.find(([, family]) => ids.some((id) => family.includes(id)))?.[0];
  return { name, manager };
}

/** One line saying how to get `requirement` on `os` (`os.root`: the line is for root, without sudo). */
export function advice(requirement, os, env = process.env) {
  const named = requirement.env === undefined ? undefined : env[requirement.env];
  const what = `${requirement.name} (${requirement.why})`;
  if (named) return `${what}: ${requirement.env}=${named} is not an executable file; fix or unset ${requirement.env}`;
  const install = os.root ? INSTALL[os.manager]?.replace(/^sudo /, '') : INSTALL[os.manager];
  const how =
    install === undefined
      ? `install it with the package manager of ${os.name} so that "${requirement.commands[0]}" is on PATH`
      : `${install} ${requirement.packages[os.manager]}`;
  return `${what} is missing on ${os.name}: ${how}`;
}

/** How to run apt-get here: as root, through passwordless sudo, or not at all (with why). */
function aptRunner(env) {
  const aptGet = onPath(['apt-get'], env.PATH);
  if (aptGet === undefined) return { why: 'apt-get is not on PATH' };
  if (process.getuid?.() === 0) return { command: aptGet, prefix: [] };
  const sudo = onPath(['sudo'], env.PATH);
  if (sudo !== undefined && spawnSync(sudo, ['-n', 'true'], { env, stdio: 'ignore', timeout: 5000 }).status === 0) {
    return { command: sudo, prefix: ['-n', 'DEBIAN_FRONTEND=noninteractive', aptGet] };
  }
  return { why: 'not root, and sudo asks for a password (or is not installed)' };
}

/** Runs apt-get with `args` through `runner`, without questions; true when it succeeded. */
function aptGet(runner, args, env) {
  const options = { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'inherit', 'inherit'] };
  return spawnSync(runner.command, [...runner.prefix, ...args], options).status === 0;
}

function main(argv, env) {
  let osReleasePath = '/etc/os-release';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--os-release' && argv[i + 1] !== undefined) osReleasePath = argv[++i];
    else {
      console.error(`test-deps: unknown argument ${argv[i]} (usage: node scripts/test-deps.js [--os-release FILE])`);
      return 2;
    }
  }
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 20) {
    console.error(`test-deps: Node.js ${process.versions.node} is too old: the tests need Node.js 20 or later`);
    return 1;
  }
  let missing = REQUIREMENTS.filter((r) => locate(r, env) === undefined);
  if (missing.length === 0) return 0;
  let osRelease;
  try {
    osRelease = readFileSync(osReleasePath, 'utf8');
  } catch {
    osRelease = undefined;
  }
  const os = { ...describeOs(process.platform, osRelease), root: process.getuid?.() === 0 };
  const installable = missing.filter((r) => !(r.env !== undefined && env[r.env]));
  if (os.manager === 'apt' && installable.length > 0) {
    const runner = aptRunner(env);
    if (runner.command !== undefined) {
      const packages = installable.map((r) => r.packages.apt);
      console.error(`test-deps: installing ${packages.join(', ')} with apt-get (the tests need them)`);
      if (aptGet(runner, ['update', '-qq'], env)) aptGet(runner, ['install', '-y', '-qq', ...packages], env);
      missing = REQUIREMENTS.filter((r) => locate(r, env) === undefined);
    } else {
      console.error(`test-deps: cannot install here: ${runner.why}`);
    }
  }
  for (const requirement of missing) console.error(`test-deps: ${advice(requirement, os, env)}`);
  return missing.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2), process.env);
}
