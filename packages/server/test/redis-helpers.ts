import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { tempDir } from './cli-helpers.js';

/** A free TCP port on 127.0.0.1 (free when asked). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Options of {@link TestRedis.start}. */
export interface TestRedisOptions {
  /** Its persistence settings. Default `['--save', '', '--appendonly', 'no']`: nothing survives a restart. */
  persistence?: string[];
  /** Serve TLS only (no plain port), with this certificate and key; the URL is then `rediss://`. */
  tls?: { cert: string; key: string };
}

/** A redis-server of the test's own on a free port, without persistence unless asked. */
export class TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`, or `rediss://` with {@link TestRedisOptions.tls}. */
  readonly url: string;
  #child: ChildProcess | undefined;
  readonly #dir = tempDir();
  readonly #options: TestRedisOptions;

  private constructor(port: number, options: TestRedisOptions) {
    this.port = port;
    this.#options = options;
    this.url = `${options.tls === undefined ? 'redis' : 'rediss'}://127.0.0.1:${port}`;
  }

  /** Starts one; fails with the install command when redis-server is missing. */
  static async start(options: TestRedisOptions = {}): Promise<TestRedis> {
    if (spawnSync('redis-server', ['--version']).error !== undefined) {
      throw new Error('redis-server is not installed: apt-get install -y redis-server');
    }
    const redis = new TestRedis(await freePort(), options);
    await redis.restart();
    return redis;
  }

  /** Starts (again) on the same port: empty, unless its persistence kept the data. Resolves once it is ready. */
  async restart(): Promise<void> {
    const { tls, persistence = ['--save', '', '--appendonly', 'no'] } = this.#options;
    const ports =
      tls === undefined
        ? ['--port', String(this.port)]
        : [
            '--port',
            '0',
            '--tls-port',
            String(this.port),
            '--tls-cert-file',
            tls.cert,
            '--tls-key-file',
            tls.key,
          ].concat(['--tls-ca-cert-file', tls.cert, '--tls-auth-clients', 'no']);
    const child = spawn('redis-server', [...ports, '--bind', '127.0.0.1', ...persistence, '--dir', this.#dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    // Ready when it says so (it logs to stdout); its exit before that is the failure, with what it printed.
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (chunk: Buffer): void => {
        out += chunk.toString();
        if (out.includes('Ready to accept connections')) {
          child.off('exit', onExit);
          child.stdout?.off('data', onData);
          child.stderr?.off('data', onData);
          resolve();
        }
      };
      const onExit = (code: number | null): void => reject(new Error(`redis-server exited with ${code}: ${out}`));
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', onExit);
    });
  }

  /** Runs one command as the default user (e.g. `ACL SETUSER …`) and resolves its reply. */
  async command(name: string, ...args: Array<string | number>): Promise<unknown> {
    const tls = this.#options.tls === undefined ? {} : { tls: { ca: readFileSync(this.#options.tls.cert) } };
    const client = new Redis({ host: '127.0.0.1', port: this.port, lazyConnect: true, ...tls });
    try {
      await client.connect();
      return await client.call(name, ...args);
    } finally {
      client.disconnect();
    }
  }

  /** Kills it at once, as a crash would. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
