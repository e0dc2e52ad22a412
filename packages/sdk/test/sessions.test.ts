import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SessionStore } from '../src/index.js';
import { advance, fakeTimers, realTimers, T0 } from './helpers.js';

const join = (sessionToken: string) => ({ sessionToken, username: `u-${sessionToken}`, clantag: '', conv: 1 });

describe('session store – accepted joins, kept for a while', () => {
  beforeEach(fakeTimers);
  afterEach(realTimers);

  it('a session records when it was accepted and when it expires', () => {
    const store = new SessionStore(1_000);
    assert.deepEqual(store.add(join('a')), { ...join('a'), acceptedAt: T0, expiresAt: T0 + 1_000 });
  });

  it('consume returns a session once, then forgets it', () => {
    const store = new SessionStore(1_000);
    store.add(join('a'));
    assert.equal(store.consume('a')?.username, 'u-a');
    assert.equal(store.consume('a'), undefined);
    assert.equal(store.size, 0);
  });

  it('sessions are forgotten ttl after they were added, each on its own time', async () => {
    const store = new SessionStore(1_000);
    store.add(join('a'));
    await advance(400);
    store.add(join('b'));
    assert.equal(store.size, 2);
    await advance(600);
    assert.equal(store.size, 1);
    assert.equal(store.consume('a'), undefined);
    await advance(399);
    assert.equal(store.consume('b')?.username, 'u-b');
  });

  it('the expiry timer empties the store without anyone asking', async () => {
    const store = new SessionStore(1_000);
    for (let i = 0; i < 100; i++) store.add(join(String(i)));
    await advance(999);
    assert.equal(store.size, 100);
    await advance(1);
    assert.equal(store.size, 0);
  });

  it('adding a token again keeps the newer session', async () => {
    const store = new SessionStore(1_000);
    store.add(join('a'));
    await advance(900);
    store.add({ ...join('a'), conv: 2 });
    await advance(500);
    assert.equal(store.consume('a')?.conv, 2);
  });

  it('clear forgets everything', () => {
    const store = new SessionStore(1_000);
    store.add(join('a'));
    store.clear();
    assert.equal(store.consume('a'), undefined);
  });
});
