import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { delay, waitFor } from '@masterserver/testing';
import { WebSocket, WebSocketServer } from 'ws';
import { GsSocket } from '../src/gateway/gs-socket.js';
import { Heartbeat, LivenessClocks, RegistrationTtl } from '../src/gateway/liveness.js';
import { SerialQueue } from '../src/gateway/serial-queue.js';
import { normalizeIp } from '../src/net/addresses.js';
import { PACE_BATCH_MS, PACE_FACTOR, Pacer } from '../src/pacer.js';
import { ServerIds } from '../src/registry/server-ids.js';
import { ListTimer, TimerList } from '../src/timer-list.js';

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
    const ttl = new RegistrationTtl(
      new LivenessClocks({ pingInterval: 1000, pongTimeout: 1000, registrationTtl: 60 }).ttl,
      {
        ttlExpired: (generation) => expired.push(generation),
      },
    );
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

/** A timer that notes when it ran out. */
class Noted extends ListTimer {
  constructor(
    list: TimerList<Noted>,
    readonly name: string,
  ) {
    super(list);
  }
}

describe('TimerList: timers of one duration on one Timeout', () => {
  it('runs timers out in order, one duration after their last start; a stopped one never', async () => {
    const out: Array<[string, number]> = [];
    const started = performance.now();
    const list = new TimerList<Noted>(60, (timer) => out.push([timer.name, performance.now() - started]));
    const a = new Noted(list, 'a');
    const b = new Noted(list, 'b');
    const c = new Noted(list, 'c');
    a.start();
    b.start();
    c.start();
    assert.equal(list.size, 3);
    await delay(30);
    a.start(); // restarted: now after c
    b.stop();
    assert.equal(b.running, false);
    assert.equal(list.size, 2);
    await waitFor('a and c ran out', () => out.length === 2, 2000, 5);
    assert.deepEqual(
      out.map(([name]) => name),
      ['c', 'a'],
    );
    assert.ok((out[0] as [string, number])[1] >= 59, 'c: not before its duration');
    assert.ok((out[1] as [string, number])[1] >= 30 + 59, 'a: a duration after its restart');
    assert.equal(list.size, 0);
    assert.equal(a.running, false, 'ran out: not running');
  });

  it('a timer restarted by its own expiry does not hold back the timers behind it', async () => {
    const out: string[] = [];
    let ticks = 0;
    const started = performance.now();
    let lateAt = 0;
    const list = new TimerList<Noted>(50, (timer) => {
      out.push(timer.name);
      if (timer.name === 'tick' && ++ticks < 3) timer.start();
      if (timer.name === 'late') lateAt = performance.now() - started;
    });
    new Noted(list, 'tick').start();
    await delay(20);
    new Noted(list, 'late').start();
    await waitFor('three ticks and the late one', () => out.length === 4, 2000, 5);
    assert.deepEqual(out, ['tick', 'late', 'tick', 'tick']);
    assert.ok(lateAt >= 20 + 49 && lateAt < 20 + 50 + 40, `the late one on time (${lateAt.toFixed(0)} ms)`);
  });

  it('keeps the order of the last starts across many restarts and stops, and reuses the slots of timers gone', async () => {
    const out: string[] = [];
    const list = new TimerList<Noted>(40, (timer) => out.push(timer.name));
    const timers = Array.from({ length: 100 }, (_, i) => new Noted(list, `t${i}`));
    for (const timer of timers) timer.start();
    assert.deepEqual(
      timers.map((t) => t.slot),
      timers.map((_, i) => i),
      'slots in the order of the first starts',
    );
    // Restart half of them in a shuffled order, and stop a few of the others.
    const restarted = timers.filter((_, i) => i % 2 === 1);
    for (let i = restarted.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [restarted[i], restarted[j]] = [restarted[j] as Noted, restarted[i] as Noted];
    }
    for (const timer of restarted) timer.start();
    const stopped = timers.filter((_, i) => i % 10 === 0);
    for (const timer of stopped) timer.stop();
    assert.equal(list.size, 90);
    assert.ok(
      stopped.every((t) => !t.running && t.slot === -1),
      'a stopped timer gives its slot back',
    );
    const expected = [
      ...timers.filter((_, i) => i % 2 === 0 && i % 10 !== 0).map((t) => t.name),
      ...restarted.map((t) => t.name),
    ];
    await waitFor('every running timer ran out', () => out.length === 90, 2000, 5);
    assert.deepEqual(out, expected, 'in the order of their last starts');
    assert.equal(list.size, 0);
    // Every slot is free again: new timers take them instead of growing the list.
    const again = Array.from({ length: 100 }, (_, i) => new Noted(list, `n${i}`));
    for (const timer of again) timer.start();
    assert.ok(
      again.every((t) => t.slot >= 0 && t.slot < 100),
      'slots reused',
    );
    assert.equal(new Set(again.map((t) => t.slot)).size, 100, 'one timer a slot');
    list.clear();
    assert.ok(
      again.every((t) => !t.running),
      'cleared',
    );
  });

  it('clear() stops every timer without running it', async () => {
    const list = new TimerList<Noted>(20, () => assert.fail('cleared'));
    for (let i = 0; i < 100; i++) new Noted(list, `${i}`).start();
    list.clear();
    assert.equal(list.size, 0);
    await delay(60);
  });
});

describe('Pacer and a paced TimerList: timers that come due together spread out', () => {
  it('lets timers go at up to twice the even rate, in batches, and one that is late enough whatever the pace', () => {
    const pacer = new Pacer(100);
    // 1,000 timers over 1,000 ms: an even rate of 1 a ms, so 2 a ms and batches of 20.
    let taken = 0;
    while (pacer.take(5000, 0, 1)) taken++;
    assert.equal(taken, PACE_FACTOR * PACE_BATCH_MS, 'a full bucket: one batch');
    assert.equal(pacer.waitMs(1, 100), PACE_BATCH_MS, 'then it waits for the next batch');
    assert.equal(pacer.waitMs(1, 3), 3, 'or less, when a timer must go before that');
    assert.equal(pacer.take(5000, 100, 1), true, 'a tenth of the duration late: it goes');
    taken = 0;
    while (pacer.take(5000 + PACE_BATCH_MS, 0, 1)) taken++;
    assert.equal(taken, PACE_FACTOR * PACE_BATCH_MS, 'the next batch, a batch time later');
    // Three timers over 500 ms (a test's game servers): at least one a batch, and the next once a token is back.
    const few = new Pacer(50);
    assert.equal(few.take(0, 0, 3 / 500), true);
    assert.equal(few.take(0, 0, 3 / 500), false);
    assert.equal(few.waitMs(3 / 500, 50), 50, 'no token before it must go: it waits until then');
  });

  it('a burst of timers restarted at each expiry spreads out over the next runs, none early or more than a tenth late', async () => {
    const duration = 200;
    const count = 500;
    const runs: number[][] = Array.from({ length: 8 }, () => []);
    let late = 0;
    class Beat extends ListTimer {
      run = 0;
      static due(beat: Beat): void {
        const at = performance.now();
        late = Math.max(late, at - beat.due);
        assert.ok(at >= beat.due - 1, 'never before its deadline');
        runs[beat.run]?.push(at);
        if (++beat.run < 8) beat.start();
      }
    }
    const list = new TimerList<Beat>(duration, Beat.due, { paced: true });
    for (let i = 0; i < count; i++) new Beat(list).start();
    await waitFor('eight runs', () => runs[7]?.length === count, 10_000, 10);
    const spread = (times: number[]) => Math.max(...times) - Math.min(...times);
    assert.ok(
      late <= duration / 10 + 100,
      `at most a tenth of the duration late, and the event loop's delay (${late.toFixed(0)} ms)`,
    );
    const first = spread(runs[0] as number[]);
    const last = spread(runs[7] as number[]);
    assert.ok(
      last >= duration / 2 - 10,
      `spread over half the duration by the last run (${first.toFixed(0)} → ${last.toFixed(0)} ms)`,
    );
    // In the last run, no batch time holds much more than twice the even rate's share (and a loop delay's backlog).
    const times = (runs[7] as number[]).toSorted((a, b) => a - b);
    let densest = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while ((times[i] as number) - (times[j] as number) >= PACE_BATCH_MS) j++;
      densest = Math.max(densest, i - j + 1);
    }
    const share = (PACE_FACTOR * count * PACE_BATCH_MS) / duration;
    assert.ok(densest <= 3 * share, `at most ${3 * share} in any ${PACE_BATCH_MS} ms (${densest})`);
  });
});

describe('Heartbeat: Pings on the interval, 4008 when a Pong is missed', () => {
  it('pings every interval; a Pong stops the deadline; a missed one closes once', async () => {
    const clocks = new LivenessClocks({ pingInterval: 40, pongTimeout: 30, registrationTtl: 1000 });
    let pings = 0;
    let answer = true;
    const closes: number[] = [];
    const heartbeat: Heartbeat = new Heartbeat(
      clocks,
      {
        ping: () => {
          pings++;
          if (answer) setImmediate(() => heartbeat.pong());
        },
      },
      { close: (code) => closes.push(code) },
    );
    await waitFor('three pings answered', () => pings >= 3, 2000, 5);
    assert.deepEqual(closes, [], 'answered: never closed');
    answer = false;
    await waitFor('the missed Pong', () => closes.length === 1, 2000, 5);
    assert.deepEqual(closes, [4008]);
    heartbeat.stop();
    const after = pings;
    await delay(100);
    assert.equal(pings, after, 'stopped: no more pings');
    assert.equal(clocks.ping.size + clocks.pong.size, 0);
    clocks.clear();
  });

  it('a Pong deadline longer than the interval runs from the first unanswered Ping; none is kept between Pong and Ping', async () => {
    const clocks = new LivenessClocks({ pingInterval: 20, pongTimeout: 90, registrationTtl: 1000 });
    const pingedAt: number[] = [];
    let closedAt = 0;
    const heartbeat = new Heartbeat(
      clocks,
      { ping: () => pingedAt.push(performance.now()) },
      { close: () => (closedAt ||= performance.now()) },
    );
    await waitFor('the first Ping', () => pingedAt.length === 1, 2000, 1);
    assert.equal(clocks.pong.size, 1, 'a deadline while the Pong is awaited');
    heartbeat.pong();
    assert.equal(clocks.pong.size, 0, 'answered: no deadline kept');
    await waitFor('the second Ping', () => pingedAt.length === 2, 2000, 1);
    await waitFor('the missed Pong', () => closedAt > 0, 2000, 1);
    const since = closedAt - (pingedAt[1] as number);
    assert.ok(since >= 89, `closed ${since.toFixed(0)} ms after the unanswered Ping, not before the timeout`);
    assert.ok(pingedAt.length >= 4, `Pings went on while the Pong was awaited (${pingedAt.length})`);
    assert.equal(clocks.pong.size, 0, 'the deadline ran out');
    heartbeat.stop();
    clocks.clear();
  });
});

describe('GsSocket: a message leaves no new array behind in ws’s receiver', () => {
  it('gives the receiver back the array of the last message, emptied, and the messages arrive whole', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, WebSocket: GsSocket });
    await once(wss, 'listening');
    const accepted = once(wss, 'connection') as Promise<[GsSocket]>;
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
    try {
      await once(client, 'open');
      const [gs] = await accepted;
      const receiver = () => (gs as unknown as { _receiver: { _fragments: unknown[] } })._receiver;
      const got: string[] = [];
      const arrays: unknown[][] = [];
      gs.on('message', (data: Buffer, isBinary: boolean) => {
        got.push(`${isBinary ? 'binary' : 'text'}:${data.toString()}`);
        arrays.push(receiver()._fragments);
      });
      client.send('first');
      // One message in three frames: the array gathers them.
      client.send('sec', { fin: false });
      client.send('o', { fin: false });
      client.send('nd', { fin: true });
      client.send(Buffer.from('third'), { binary: true });
      client.send('fourth');
      await waitFor('four messages', () => got.length === 4, 5000);
      assert.deepEqual(got, ['text:first', 'text:second', 'binary:third', 'text:fourth']);
      for (const array of arrays) {
        assert.equal(array, arrays[0], 'the same array after every message');
        assert.equal(array.length, 0, 'emptied: it holds no buffer of a message');
      }
      assert.equal(receiver()._fragments, arrays[0]);
    } finally {
      client.terminate();
      wss.close();
    }
  });
});
