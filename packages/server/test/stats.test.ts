import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { delay, waitFor } from '@masterserver/testing';
import { type ListedServer, StatsHistory, type StatsSample } from '../src/index.js';

/** A registry holding servers with these player counts. */
function registry(players: number[]) {
  const servers = players.map((curPlayers, i) => ({ id: String(i), curPlayers }) as ListedServer);
  return { values: () => servers.values(), size: servers.length };
}

describe('StatsHistory: players and servers over the last hour', () => {
  it('a sample sums the players of the listed servers and counts the servers', () => {
    const history = new StatsHistory(registry([3, 0, 12]), { now: () => 1000 });
    assert.deepEqual(history.sample(), { t: 1000, players: 15, servers: 3 });
    assert.deepEqual(history.samples(), [{ t: 1000, players: 15, servers: 3 }]);
  });

  it('keeps only the last hour, oldest first, in a ring of fixed size', () => {
    let now = 0;
    const history = new StatsHistory(registry([1]), { intervalMs: 5000, now: () => now });
    for (let i = 0; i < 1000; i++) {
      now = i * 5000;
      history.sample();
    }
    const samples = history.samples();
    assert.equal(samples.length, 720);
    assert.equal(samples.at(-1)?.t, 999 * 5000);
    assert.ok((samples[0]?.t ?? 0) > 999 * 5000 - 3_600_000);
    assert.ok(samples.every((s, i) => i === 0 || s.t > (samples[i - 1] as StatsSample).t));
  });

  it('a pause in sampling leaves no sample older than the window before the newest', () => {
    let now = 0;
    const history = new StatsHistory(registry([]), { intervalMs: 5000, now: () => now });
    history.sample();
    now = 2 * 3_600_000;
    history.sample();
    assert.deepEqual(
      history.samples().map((s) => s.t),
      [2 * 3_600_000],
    );
  });

  it('listeners get every sample until they unsubscribe', () => {
    const history = new StatsHistory(registry([2]));
    const got: StatsSample[] = [];
    const stop = history.onSample((s) => got.push(s));
    history.sample();
    stop();
    history.sample();
    assert.equal(got.length, 1);
  });

  it('start() samples at once and then every interval; stop() stops', async () => {
    const intervalMs = 20;
    const history = new StatsHistory(registry([1]), { intervalMs });
    const started = performance.now();
    history.start();
    history.start();
    assert.equal(history.samples().length, 1);
    await waitFor('three samples more', () => history.samples().length >= 4);
    history.stop();
    const taken = history.samples().length;
    const intervals = (performance.now() - started) / intervalMs;
    assert.ok(taken <= 2 + intervals, `${taken} samples in ${intervals.toFixed(1)} intervals: one timer, not two`);
    // Stopped, it takes none in three intervals.
    await delay(3 * intervalMs);
    assert.equal(history.samples().length, taken);
  });

  it('the JSON body is made once per sample', () => {
    const history = new StatsHistory(registry([1]), { intervalMs: 1000, now: () => 5 });
    history.sample();
    const body = history.body();
    assert.equal(history.body(), body);
    assert.deepEqual(JSON.parse(body.body.toString()), {
      intervalMs: 1000,
      windowMs: 3_600_000,
      samples: [{ t: 5, players: 1, servers: 1 }],
    });
    history.sample();
    assert.notEqual(history.body(), body);
  });
});
