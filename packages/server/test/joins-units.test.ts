import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeJoinRequest } from '@masterserver/protocol';
import { waitFor } from '@masterserver/testing';
import { DeadlineQueue } from '../src/deadline-queue.js';
import { ConvReservations } from '../src/joins/convs.js';
import type { JoinOutcome } from '../src/joins/outcome.js';
import { JoinDesk, PendingJoins } from '../src/joins/pending.js';
import { RandomPool } from '../src/joins/random-pool.js';

/** A pool whose `uint32()` answers the given values first, then random ones. */
class ScriptedPool extends RandomPool {
  readonly #values: number[];
  constructor(values: number[]) {
    super();
    this.#values = [...values];
  }
  override uint32(): number {
    return this.#values.shift() ?? super.uint32();
  }
}

const response = (id: number, success: boolean) =>
  ({
    metadata: { type: -2, id: BigInt(id) },
    success,
    ...(success ? {} : { error: { type: 3, msg: 'full' } }),
  }) as unknown as Parameters<PendingJoins['answered']>[0];

describe('DeadlineQueue: join timeouts on one timer', () => {
  it('expires deadlines in order after the duration, and never a cancelled one', async () => {
    const queue = new DeadlineQueue(60);
    const fired: string[] = [];
    const started = performance.now();
    queue.add(() => fired.push('a'));
    const b = queue.add(() => fired.push('b'));
    queue.add(() => fired.push('c'));
    b.cancel();
    assert.equal(queue.size, 2);
    await waitFor('a and c expired', () => fired.length === 2, 2000, 5);
    assert.ok(performance.now() - started >= 59, 'not before the duration');
    assert.deepEqual(fired, ['a', 'c']);
    assert.equal(queue.size, 0);
  });

  it('a queue of cancelled deadlines in front of a live one lets the live one expire on time', async () => {
    const queue = new DeadlineQueue(40);
    for (let i = 0; i < 5000; i++) queue.add(() => assert.fail('cancelled')).cancel();
    let fired = false;
    queue.add(() => {
      fired = true;
    });
    await waitFor('the live deadline', () => fired, 2000, 5);
    assert.equal(queue.size, 0);
  });

  it('clear() drops every deadline without calling it', async () => {
    const duration = 20;
    const queue = new DeadlineQueue(duration);
    queue.add(() => assert.fail('cleared'));
    queue.clear();
    // A deadline left behind would have fired within the duration: wait three.
    await new Promise((resolve) => setTimeout(resolve, 3 * duration));
    assert.equal(queue.size, 0);
  });
});

describe('ConvReservations: conv values for joins', () => {
  it('never hands out 0 or 0xFFFFFFFF, and never a conv still reserved', () => {
    const convs = new ConvReservations(60_000, new ScriptedPool([0, 0xffff_ffff, 7, 7, 0xffff_fffe, 1]));
    assert.equal(convs.reserve(0), 7);
    assert.equal(convs.reserve(1), 0xffff_fffe, '7 is reserved: drawn again');
    assert.equal(convs.reserve(2), 1);
    assert.equal(convs.size, 3);
    convs.stop();
  });

  it('a conv is free again once its reservation expired, and a sweep lets go of the expired ones', () => {
    const values = [...Array(100).keys()].map((i) => i + 1);
    const convs = new ConvReservations(1000, new ScriptedPool([...values, 50, 1, 0xffff_fffe, 1]));
    for (let i = 0; i < 100; i++) assert.equal(convs.reserve(i), i + 1);
    assert.equal(convs.reserve(999), 0xffff_fffe, '50 and 1 are still reserved: drawn again');
    assert.equal(convs.reserve(1001), 1, '1 expired at 1000 ms: free again');
    assert.equal(convs.size, 100, 'expired at 1000 and 1001 ms: the reservations of 0 and 1 ms');
    convs.sweep(3000);
    assert.equal(convs.size, 0);
    convs.stop();
  });

  it('agrees with a plain model over many reservations, drawn from a small range so that they collide', () => {
    // A deterministic generator over [1, 3000]: draws collide with held convs often, the set grows past its first
    // size, and expiries take entries out of the middle of probe runs.
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return 1 + (seed % 3000);
    };
    const draws: number[] = [];
    const pool = new (class extends RandomPool {
      override uint32(): number {
        const value = next();
        draws.push(value);
        return value;
      }
    })();
    const reservationMs = 1500;
    const convs = new ConvReservations(reservationMs, pool);
    const model = new Map<number, number>(); // conv → until
    for (let now = 0; now < 6000; now++) {
      for (const [conv, until] of model) if (until <= now) model.delete(conv);
      draws.length = 0;
      const conv = convs.reserve(now);
      const firstFree = draws.find((value) => !model.has(value));
      assert.equal(conv, firstFree, `at ${now} ms: the first draw no reservation holds`);
      model.set(conv, now + reservationMs);
      assert.equal(convs.size, model.size, `at ${now} ms`);
    }
    convs.stop();
  });

  it('draws convs spread over the whole range', () => {
    const convs = new ConvReservations(60_000, new RandomPool());
    let high = 0;
    for (let i = 0; i < 1000; i++) if (convs.reserve(0) > 0x8000_0000) high++;
    assert.ok(high > 400 && high < 600, `${high} of 1000 in the upper half`);
    convs.stop();
  });
});

describe('RandomPool', () => {
  it('session tokens are 32 base64url characters, all different, across refills', () => {
    const pool = new RandomPool(64);
    const tokens = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const token = pool.sessionToken();
      assert.match(token, /^[A-Za-z0-9_-]{32}$/);
      tokens.add(token);
    }
    assert.equal(tokens.size, 500);
  });
});

describe('PendingJoins: the joins waiting on one game server', () => {
  const address = { id: 'srv', ip: '10.0.0.1', port: 37015 };
  const player = { username: 'Viper', clantag: 'NS' };
  /** A join request's outcome as a promise. */
  const request = (joins: PendingJoins, socket: { send(text: string): void }): Promise<JoinOutcome> =>
    new Promise((resolve) => joins.request(address, player, socket, resolve));

  it('sends a join request and resolves the game server’s answer with the address, token and conv it sent', async () => {
    const desk = new JoinDesk({ joinTimeout: 1000, convReservation: 60_000, maxPendingJoins: 4 });
    const joins = new PendingJoins(desk);
    const sent: string[] = [];
    const socket = { send: (text: string) => sent.push(text) };
    const accepted = request(joins, socket);
    const rejected = request(joins, socket);
    assert.equal(joins.size, 2);
    assert.ok(joins.isAwaiting('1') && joins.isAwaiting('2') && !joins.isAwaiting('3'));
    const first = JSON.parse(sent[0] as string) as { sessionToken: string; conv: number };
    assert.equal(
      sent[0],
      encodeJoinRequest({
        id: 1,
        sessionToken: first.sessionToken,
        username: 'Viper',
        clantag: 'NS',
        conv: first.conv,
      }),
    );
    joins.answered(response(1, true));
    joins.answered(response(2, false));
    joins.answered(response(9, true));
    assert.deepEqual(await accepted, {
      kind: 'accepted',
      ip: '10.0.0.1',
      port: 37015,
      sessionToken: first.sessionToken,
      conv: first.conv,
    });
    assert.deepEqual(await rejected, { kind: 'rejected', error: { type: 3, msg: 'full' } });
    assert.equal(joins.size, 0);
    desk.close();
  });

  it('answers in any order settle their own joins: the others keep waiting, and a repeated answer finds nothing', async () => {
    const desk = new JoinDesk({ joinTimeout: 1000, convReservation: 60_000, maxPendingJoins: 4 });
    const joins = new PendingJoins(desk);
    const ended: string[] = [];
    for (let i = 0; i < 3; i++)
      joins.request(address, player, { send: () => {} }, (outcome) => ended.push(`${i + 1}:${outcome.kind}`));
    joins.answered(response(2, true));
    assert.ok(joins.isAwaiting('1') && !joins.isAwaiting('2') && joins.isAwaiting('3'));
    joins.answered(response(3, false));
    joins.answered(response(2, true));
    assert.equal(joins.size, 1);
    joins.answered(response(1, true));
    assert.deepEqual(ended, ['2:accepted', '3:rejected', '1:accepted']);
    assert.equal(joins.size, 0);
    assert.equal(desk.deadlines.size, 0, 'no timeout is left running');
    desk.close();
  });

  it('answers busy beyond maxPendingJoins without sending, times out, and fails the rest as gone', async () => {
    // The deadline timer does not hold the process open (a server's sockets do): this test must.
    const alive = setInterval(() => {}, 1000);
    const desk = new JoinDesk({ joinTimeout: 50, convReservation: 60_000, maxPendingJoins: 2 });
    const joins = new PendingJoins(desk);
    let sent = 0;
    const send = { send: () => sent++ };
    const slow = request(joins, send);
    const other = request(joins, send);
    let busy: JoinOutcome | undefined;
    joins.request(address, player, send, (outcome) => {
      busy = outcome;
    });
    assert.deepEqual(busy, { kind: 'busy' }, 'busy is known at once: answered before request returns');
    assert.equal(sent, 2);
    assert.deepEqual(await slow, { kind: 'timeout' });
    assert.deepEqual(await other, { kind: 'timeout' });
    assert.equal(joins.isAwaiting('1'), false, 'a late answer is not awaited');
    const gone = request(joins, send);
    joins.failAll({ kind: 'gone' });
    assert.deepEqual(await gone, { kind: 'gone' });
    desk.close();
    clearInterval(alive);
  });
});
