import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PageCache } from '../src/pages.js';
import type { Server } from '../src/types.js';
import { testServer } from './test-server.js';

function servers(from: number, count: number): Server[] {
  return Array.from({ length: count }, (_, i) => testServer(`s${from + i}`, { name: `server ${from + i}` }));
}

describe('PageCache: the pages of a long list around the rows in view', () => {
  it('the pages wanted cover the window, clamped to the list; at least one, to learn the total', () => {
    const pages = new PageCache(100);
    assert.deepEqual(pages.wanted(0, 30, undefined), [0]);
    assert.deepEqual(pages.wanted(0, 30, 0), [0]);
    assert.deepEqual(pages.wanted(90, 130, 100_000), [0, 1]);
    assert.deepEqual(pages.wanted(99_980, 100_020, 100_000), [999]);
    assert.deepEqual(pages.wanted(5000, 5040, 250), [2], 'a window past the end asks for the last page');
  });

  it('a held page gives its servers by position and id; a page not held gives nothing', () => {
    const pages = new PageCache(100);
    pages.put(3, servers(300, 100), 'W/"a"', pages.round);
    assert.equal(pages.at(342)?.id, 's342');
    assert.equal(pages.at(299), undefined);
    assert.equal(pages.find('s399')?.name, 'server 399');
    assert.equal(pages.etag(3), 'W/"a"');
    assert.equal([...pages.servers()].length, 100);
  });

  it('a refresh makes every page stale, still shown; a page fetched (or confirmed by a 304) in the round is fresh', () => {
    const pages = new PageCache(100);
    pages.put(0, servers(0, 100), 'W/"0"', pages.round);
    pages.put(1, servers(100, 100), 'W/"1"', pages.round);
    assert.equal(pages.stale(0), false);
    pages.refresh();
    assert.equal(pages.stale(0), true);
    assert.equal(pages.at(5)?.id, 's5', 'still shown while stale');
    pages.confirm(0, pages.round);
    pages.put(1, servers(100, 100), 'W/"1b"', pages.round - 1);
    assert.equal(pages.stale(0), false);
    assert.equal(pages.stale(1), true, 'fetched in the round before: stale');
    assert.equal(pages.stale(2), true, 'not held');
  });

  it('holds at most its pages, dropping the farthest from where the list is looked at', () => {
    const pages = new PageCache(10, 3);
    for (const index of [0, 1, 2, 50]) pages.put(index, servers(index * 10, 10), undefined, 0, 50);
    assert.deepEqual(
      [0, 1, 2, 50].map((index) => pages.has(index)),
      [false, true, true, true],
    );
  });

  it('a shorter list drops the pages past its end', () => {
    const pages = new PageCache(10);
    for (const index of [0, 1, 2]) pages.put(index, servers(index * 10, 10), undefined, 0);
    pages.truncate(15);
    assert.deepEqual(
      [0, 1, 2].map((index) => pages.has(index)),
      [true, true, false],
    );
  });
});
