import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendSample, mergeSamples, sparkline } from '../src/chart.js';
import type { Sample } from '../src/types.js';

const box = { width: 100, height: 10, from: 0, to: 100, maxGapMs: 15 };
const players = (s: Sample) => s.players;

describe('the history sparklines', () => {
  it('scales time to the width and the largest value to the height', () => {
    const line = sparkline(
      [
        { t: 0, players: 0, servers: 0 },
        { t: 10, players: 4, servers: 1 },
        { t: 20, players: 2, servers: 1 },
      ],
      players,
      box,
    );
    assert.equal(line.max, 4);
    assert.equal(line.line, 'M0,9L10,1L20,5');
    assert.equal(line.area, 'M0,9L10,1L20,5L20,10L0,10Z');
  });

  it('a gap longer than maxGapMs breaks the line', () => {
    const line = sparkline(
      [
        { t: 0, players: 1, servers: 0 },
        { t: 10, players: 1, servers: 0 },
        { t: 60, players: 1, servers: 0 },
      ],
      players,
      box,
    );
    assert.equal(line.line, 'M0,1L10,1M60,1');
  });

  it('samples outside the box are left out; no samples draw nothing', () => {
    assert.equal(sparkline([{ t: -5, players: 9, servers: 0 }], players, box).line, '');
    assert.deepEqual(sparkline([], players, box), { line: '', area: '', max: 0 });
  });

  it('appending keeps the window and ignores a sample that is not newer', () => {
    const samples = [
      { t: 0, players: 1, servers: 1 },
      { t: 50, players: 2, servers: 1 },
    ];
    assert.deepEqual(
      appendSample(samples, { t: 120, players: 3, servers: 1 }, 100).map((s) => s.t),
      [50, 120],
    );
    assert.equal(appendSample(samples, { t: 50, players: 9, servers: 9 }, 100), samples);
  });

  it('a fetched history and streamed samples merge by time', () => {
    const merged = mergeSamples(
      [
        { t: 10, players: 1, servers: 1 },
        { t: 20, players: 2, servers: 1 },
      ],
      [
        { t: 20, players: 2, servers: 1 },
        { t: 30, players: 3, servers: 1 },
      ],
      100,
    );
    assert.deepEqual(
      merged.map((s) => s.t),
      [10, 20, 30],
    );
  });
});
