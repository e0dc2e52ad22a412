import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { delay, fetchRaw, waitFor } from '@masterserver/testing';
import type { ListedServer } from '../src/index.js';
import { StatsHistory, type StatsSample } from '../src/registry/stats.js';
import { startMs } from './helpers.js';

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

  it('the JSON body is made once per sample: the same answer (and ETag) until the next sample', async () => {
    const t = await startMs({ statsInterval: 3_600_000 });
    try {
      const url = `${t.url}/v2/client/stats/history`;
      const first = await fetchRaw(url);
      assert.equal((await fetchRaw(url)).headers.etag, first.headers.etag);
      const before = t.ms.stats.taken;
      t.ms.stats.sample();
      assert.equal(t.ms.stats.taken, before + 1);
      const after = await fetchRaw(url);
      assert.notEqual(after.headers.etag, first.headers.etag);
      const body = after.json as { intervalMs: number; windowMs: number; samples: StatsSample[] };
      assert.equal(body.intervalMs, 3_600_000);
      assert.equal(body.windowMs, 3_600_000);
      assert.equal(
        body.samples.length,
        first.json === undefined ? 1 : (first.json as { samples: unknown[] }).samples.length + 1,
      );
    } finally {
      await t.close();
    }
  });
});
