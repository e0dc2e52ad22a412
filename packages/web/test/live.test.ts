import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerMap } from '../src/live.js';
import type { Server } from '../src/types.js';
import { testServer } from './test-server.js';

const server = (id: string, curPlayers = 0): Server => testServer(id, { curPlayers });

describe('ServerMap: the live list from the event stream', () => {
  it('keeps the masterserver’s order through deltas: most players, then name by code unit, then id', () => {
    const map = new ServerMap();
    map.replace([server('a', 3), server('b', 2)], 1);
    const named = (id: string, name: string, players: number): Server => ({ ...server(id, players), name });
    map.apply(
      { upsert: [server('b', 9), named('c', 'Zulu', 3), named('d', 'alpha', 3), named('e', 'Zulu', 3)], remove: [] },
      2,
    );
    assert.deepEqual(
      map.list.map((s) => s.id),
      ['b', 'c', 'e', 'd', 'a'],
      'upper case sorts before lower case, as the masterserver compares; equal names by id',
    );
  });

  it('a server whose reachability changed is a new object, so its row is drawn again', () => {
    const map = new ServerMap();
    map.replace([server('a')], 1);
    const [before] = map.list;
    map.replace([{ ...server('a'), reachable: true }], 2);
    assert.notEqual(map.list[0], before);
    assert.equal(map.list[0]?.reachable, true);
  });

  it('a whole list replaces the state and takes its number', () => {
    const map = new ServerMap();
    map.replace([server('a'), server('b')], 4);
    assert.deepEqual(
      map.list.map((s) => s.id),
      ['a', 'b'],
    );
    assert.equal(map.seq, 4);
  });

  it('a delta numbered one more adds, changes and removes servers', () => {
    const map = new ServerMap();
    map.replace([server('a'), server('b')], 4);
    assert.equal(map.apply({ upsert: [server('b', 5), server('c')], remove: ['a'] }, 5), true);
    assert.deepEqual(
      map.list.map((s) => [s.id, s.curPlayers]),
      [
        ['b', 5],
        ['c', 0],
      ],
    );
    assert.equal(map.seq, 5);
  });

  it('a delta that does not follow the state held is refused and changes nothing', () => {
    const map = new ServerMap();
    assert.equal(map.apply({ upsert: [server('x')], remove: [] }, 1), false, 'before any list');
    map.replace([server('a')], 4);
    const before = map.list;
    assert.equal(map.apply({ upsert: [server('x')], remove: ['a'] }, 6), false, 'one was missed');
    assert.equal(map.list, before);
    assert.equal(map.seq, 4);
  });

  it('servers that did not change keep their objects across a whole list, so their rows are not redrawn', () => {
    const map = new ServerMap();
    map.replace([server('a'), server('b')], 1);
    const [a, b] = map.list;
    map.replace([server('a'), server('b', 2)], 2);
    assert.equal(map.list[0], a);
    assert.notEqual(map.list[1], b);
  });
});
