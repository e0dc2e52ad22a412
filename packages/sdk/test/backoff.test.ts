import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff, OptionError } from '../src/index.js';

/** A random source that returns the given values in turn. */
const sequence =
  (...values: number[]) =>
  (): number => {
    const value = values.shift();
    if (value === undefined) throw new Error('sequence exhausted');
    return value;
  };

describe('backoff – full jitter, exponential cap', () => {
  it('the cap starts at initial and grows by factor per attempt, up to max', () => {
    const backoff = new Backoff({ initial: 100, max: 1000, factor: 2 }, () => 0.5);
    const caps: number[] = [];
    for (let i = 0; i < 7; i++) {
      caps.push(backoff.cap);
      backoff.next();
    }
    assert.deepEqual(caps, [100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('each delay is within [0, cap]: the lowest random gives 0, the highest gives the cap', () => {
    const low = new Backoff({ initial: 100, max: 1000, factor: 2 }, () => 0);
    assert.deepEqual([low.next(), low.next(), low.next()], [0, 0, 0]);
    const high = new Backoff({ initial: 100, max: 1000, factor: 2 }, () => 0.9999999);
    assert.deepEqual([high.next(), high.next(), high.next(), high.next(), high.next()], [100, 200, 400, 800, 1000]);
  });

  it('the jitter is the random fraction of the cap, in whole milliseconds', () => {
    const backoff = new Backoff({ initial: 100, max: 10_000, factor: 3 }, sequence(0.25, 0.5, 0.1));
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [25, 150, 90]);
  });

  it('with Math.random, 1000 delays stay within their caps and are not all alike', () => {
    const backoff = new Backoff({ initial: 50, max: 400, factor: 2 });
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const cap = backoff.cap;
      const delay = backoff.next();
      assert.ok(Number.isInteger(delay) && delay >= 0 && delay <= cap, `delay ${delay} within [0, ${cap}]`);
      seen.add(delay);
    }
    assert.ok(seen.size > 50, `jittered: ${seen.size} distinct delays`);
  });

  it('reset starts over from initial', () => {
    const backoff = new Backoff({ initial: 100, max: 1000, factor: 2 }, () => 0.5);
    backoff.next();
    backoff.next();
    assert.equal(backoff.attempt, 2);
    assert.equal(backoff.cap, 400);
    backoff.reset();
    assert.equal(backoff.attempt, 0);
    assert.equal(backoff.cap, 100);
    assert.equal(backoff.next(), 50);
  });

  it('thousands of attempts never overflow past max', () => {
    const backoff = new Backoff({ initial: 1, max: 30_000, factor: 10 }, () => 0.9999999);
    for (let i = 0; i < 5000; i++) backoff.next();
    assert.equal(backoff.cap, 30_000);
    assert.equal(backoff.next(), 30_000);
  });

  it('the defaults are 1 s initial, 30 s max, factor 2', () => {
    const backoff = new Backoff();
    assert.deepEqual([backoff.initial, backoff.max, backoff.factor], [1000, 30_000, 2]);
  });

  for (const [options, option] of [
    [{ initial: 0 }, 'backoff.initial'],
    [{ initial: Number.NaN }, 'backoff.initial'],
    [{ initial: 100, max: 50 }, 'backoff.max'],
    [{ max: 2 ** 31 }, 'backoff.max'],
    [{ factor: 0.5 }, 'backoff.factor'],
  ] as const) {
    it(`refuses ${JSON.stringify(options)} naming ${option}`, () => {
      assert.throws(
        () => new Backoff(options),
        (error: unknown) => error instanceof OptionError && error.option === option,
      );
    });
  }
});
