import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { delay, waitFor } from '@masterserver/testing';
import { RegistrationTtl } from '../src/gateway/liveness.js';
import { SerialQueue } from '../src/gateway/serial-queue.js';
import { normalizeIp } from '../src/net/addresses.js';
import { ServerIds } from '../src/registry/server-ids.js';

describe('SerialQueue: one connection’s tasks in order', () => {
  it('runs a task at once while nothing waits, and later ones after a promise in arrival order', async () => {
    const events: string[] = [];
    const queue = new SerialQueue(8, { error: assert.fail, pause: () => {}, resume: () => {} });
    queue.run(() => {
      events.push('sync');
    });
    assert.deepEqual(events, ['sync'], 'ran within run()');
    let release: () => void = () => {};
    queue.run(
      () =>
        new Promise<void>((resolve) => {
          events.push('slow start');
          release = () => {
            events.push('slow end');
            resolve();
          };
        }),
    );
    queue.run(() => {
      events.push('after');
    });
    assert.equal(queue.waiting, 2);
    assert.deepEqual(events, ['sync', 'slow start']);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(events, ['sync', 'slow start', 'slow end', 'after']);
    assert.equal(queue.waiting, 0);
  });

  it('pauses at the limit and resumes below it', async () => {
    const calls: string[] = [];
    const queue = new SerialQueue(3, {
      error: assert.fail,
      pause: () => calls.push('pause'),
      resume: () => calls.push('resume'),
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    queue.run(() => gate);
    queue.run(() => {});
    assert.deepEqual(calls, []);
    queue.run(() => {});
    assert.deepEqual(calls, ['pause']);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, ['pause', 'resume']);
  });

  it('reports a task that throws or rejects, and keeps running the next ones', async () => {
    const errors: string[] = [];
    const queue = new SerialQueue(8, {
      error: (error) => errors.push((error as Error).message),
      pause: () => {},
      resume: () => {},
    });
    queue.run(() => {
      throw new Error('sync');
    });
    queue.run(() => Promise.reject(new Error('async')));
    let ran = false;
    queue.run(() => {
      ran = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(errors, ['sync', 'async']);
    assert.equal(ran, true);
  });
});

describe('ServerIds: stable ids from addresses (docs/protocol.md#registration)', () => {
  const secret = Buffer.alloc(32, 7);
  const expected = (text: string) => createHmac('sha256', secret).update(text).digest('base64url').slice(0, 16);

  it('is the first 16 characters of base64url(HMAC-SHA256(secret, "IP:PORT"))', () => {
    const ids = new ServerIds(secret);
    assert.equal(ids.of('203.0.113.7', 37015), expected('203.0.113.7:37015'));
    assert.match(ids.of('203.0.113.7', 37015), /^[A-Za-z0-9_-]{16}$/);
    assert.notEqual(ids.of('203.0.113.7', 37015), ids.of('203.0.113.7', 37016));
  });

  it('uses the canonical text of the IP: an IPv4-mapped address as IPv4, IPv6 compressed in lower case', () => {
    const ids = new ServerIds(secret);
    assert.equal(ids.of('::ffff:203.0.113.7', 1), expected('203.0.113.7:1'));
    assert.equal(ids.of('::FFFF:CB00:7107', 1), expected('203.0.113.7:1'));
    assert.equal(ids.of('2001:DB8:0:0::1', 1), expected('2001:db8::1:1'));
    assert.equal(normalizeIp('2001:db8::1'), '2001:db8::1');
  });

  it('another secret gives other ids', () => {
    assert.notEqual(new ServerIds(secret).of('1.2.3.4', 5), new ServerIds(Buffer.alloc(32, 8)).of('1.2.3.4', 5));
    assert.throws(() => new ServerIds(Buffer.alloc(8)), /at least 16 bytes/);
  });
});

describe('RegistrationTtl: the registration TTL without a timer per registration', () => {
  it('runs out a TTL after the last restart, tells the generation, and a restart after it arms it again', async () => {
    const expired: number[] = [];
    const ttl = new RegistrationTtl(60, { ttlExpired: (generation) => expired.push(generation) });
    const started = performance.now();
    await delay(35);
    ttl.restart();
    await waitFor('the first expiry', () => expired.length === 1, 2000, 5);
    assert.ok(performance.now() - started >= 35 + 59, 'a TTL after the restart, not after the start');
    assert.deepEqual(expired, [1]);
    ttl.restart();
    await waitFor('armed again by the restart', () => expired.length === 2, 2000, 5);
    assert.deepEqual(expired, [1, 2]);
    ttl.stop();
    ttl.restart();
    await delay(100);
    assert.equal(expired.length, 2, 'stopped: never again');
  });
});
