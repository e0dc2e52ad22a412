import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { ServerInfo } from '@masterserver/protocol';
import type { Page } from 'playwright-core';
import { type ListedServer, publicServerJson, toListedServer } from '../../src/registry/registry.js';
import type { TestMs } from '../helpers.js';
import { pageFixture } from './page-fixture.js';

/**
 * Each test's own bound, well inside the runner's bound for the whole file: a step that fails is reported as
 * itself, with what it waited for.
 */
const STEP_MS = 45_000;

/** As many servers as the masterserver lists by default (`--max-servers`). */
const COUNT = 100_000;
const MAPS = ['mp_forwardbase_kodai', 'mp_glitch', 'mp_rise', 'mp_eden', 'mp_grave', 'mp_thaw', 'mp_lf_uma'];
const PLAYLISTS = ['aitdm', 'tdm', 'ps', 'cp', 'ctf', 'lts', 'fd_normal', 'ffa'];

/** Server `i` of the filled list: varied maps, playlists, fill levels and verdicts. */
function listing(i: number): ListedServer {
  const info: ServerInfo = {
    name: `[NS] Server ${i}`,
    desc: 'A description of moderate length, as community servers write them.',
    port: 20_000 + (i % 40_000),
    map: MAPS[i % MAPS.length] as string,
    playlist: PLAYLISTS[(i >> 3) % PLAYLISTS.length] as string,
    curPlayers: i % 17,
    maxPlayers: 16 + (i % 2),
    gameState: i % 4,
  };
  return toListedServer(
    `id${i}`,
    info,
    `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    'scale',
    [true, false, null][i % 3] as boolean | null,
  );
}

/** The masterserver's order (most players, then name by code unit, then id). */
function byListOrder(a: ListedServer, b: ListedServer): number {
  return b.curPlayers - a.curPlayers || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1);
}

/** Milliseconds from the navigation of `page` to its first row with a server. */
async function firstRows(page: Page): Promise<number> {
  const at = await page.waitForFunction(
    () => document.querySelector('tbody tr[data-id]') !== null && performance.now(),
    null,
    { polling: 'raf', timeout: 10_000 },
  );
  return Number(await at.jsonValue());
}

/** p50, p95 and the largest of `values`, rounded to 0.1. */
function spread(values: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
  return { p50: at(0.5), p95: at(0.95), max: at(1) };
}

describe('the server browser with 100,000 listed servers, in Chromium', () => {
  let last: ListedServer;
  const fx = pageFixture({ maxServers: 0 }, 49_000, async (t) => {
    const listings: ListedServer[] = [];
    for (let i = 0; i < COUNT; i++) {
      const server = listing(i);
      listings.push(server);
      await t.ms.registry.put(server);
    }
    last = listings.sort(byListOrder).at(-1) as ListedServer;
  });
  const { listRequests, listAnswers } = fx;
  let page: Page;
  let t: TestMs;
  beforeEach(() => {
    page = fx.page;
    t = fx.t;
  });

  const rowAt = (index: number) => page.locator(`tbody tr[aria-rowindex="${index + 2}"]`);

  it('shows the first rows at once, keeps only a screenful in the DOM, scrolls smoothly and reaches the last server', {
    timeout: STEP_MS,
  }, async (ctx) => {
    await page.goto(t.url);
    const firstRowsMs = await firstRows(page);
    await page.locator('.live[data-status="polling"]').waitFor();
    assert.equal(await page.locator('.list-count').textContent(), '100,000 servers');
    // Only pages of the list were asked for, never the whole of it, and no stream (it would send every server).
    for (const url of listRequests) {
      assert.equal(url.pathname, '/v2/client/servers', String(url));
      assert.ok(Number(url.searchParams.get('limit')) <= 100, String(url));
    }

    const dom = () =>
      page.evaluate(() => ({
        rows: document.querySelectorAll('tbody tr').length,
        withServer: document.querySelectorAll('tbody tr[data-id]').length,
        height: document.querySelector('tbody')?.getBoundingClientRect().height ?? 0,
      }));
    const start = await dom();
    const rowPx = await page
      .locator('tbody tr[data-id]')
      .first()
      .evaluate((r) => r.getBoundingClientRect().height);
    assert.ok(start.rows <= 40, `${start.rows} rows in the DOM`);
    assert.ok(start.withServer >= Math.floor(800 / rowPx) - 4, `${start.withServer} rows drawn`);
    assert.ok(Math.abs(start.height - COUNT * rowPx) < rowPx, `the body is as tall as every row: ${start.height}`);

    // A fling down the list: 150 frames of 400 px, as a fast wheel does; each frame's time, and long tasks.
    const fling = await page.evaluate(async () => {
      const long: number[] = [];
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) long.push(entry.duration);
      });
      observer.observe({ type: 'longtask' });
      const frames: number[] = [];
      let rows = 0;
      let before = performance.now();
      for (let i = 0; i < 150; i++) {
        scrollBy(0, 400);
        // A frame, or 250 ms if none comes (a page not drawn): then the frame times say so, nothing hangs.
        await new Promise((resolve) => {
          requestAnimationFrame(resolve);
          setTimeout(resolve, 250);
        });
        const now = performance.now();
        frames.push(now - before);
        before = now;
        rows = Math.max(rows, document.querySelectorAll('tbody tr').length);
      }
      observer.disconnect();
      return { frames, long, rows };
    });
    const frames = spread(fling.frames);
    // What keeps every frame cheap: a screenful of rows, however far the list scrolls.
    assert.ok(fling.rows <= 40, `up to ${fling.rows} rows in the DOM while scrolling`);
    // The typical frame is one of a 30 Hz screen at least, even on a loaded machine (the spread is reported).
    assert.ok(frames.p50 <= 34, `scroll frames: ${JSON.stringify(frames)}`);

    await page.evaluate(() => scrollTo(0, document.documentElement.scrollHeight));
    const end = rowAt(COUNT - 1);
    await end.locator('.name').waitFor({ timeout: 5000 });
    assert.equal(await end.getAttribute('data-id'), last.id);
    assert.equal(await end.locator('.name').textContent(), last.name);
    assert.equal(await end.isVisible(), true);
    assert.ok((await dom()).rows <= 40);

    // Again with the browser and the masterserver warm: a reload. Cold, the masterserver builds its first
    // answers of the 100,000 servers meanwhile, and Chromium compiles the page for the first time.
    await page.reload();
    const warmMs = await firstRows(page);

    assert.ok(warmMs < 3000, `first rows ${warmMs} ms after a reload`);
    const heap = await page.evaluate(
      () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
    );
    ctx.diagnostic(
      `first rows ${Math.round(firstRowsMs)} ms after navigation (${Math.round(warmMs)} ms on a reload); ${start.rows} rows in the DOM (${start.withServer} with a server) ` +
        `for ${COUNT} servers of ${rowPx} px; fling of 150 frames × 400 px: frame ms ${JSON.stringify(frames)}, ` +
        `${fling.long.length} long tasks (${Math.round(fling.long.reduce((a, b) => a + b, 0))} ms); ` +
        `${listRequests.length} list requests; JS heap ${(heap / 1048576).toFixed(1)} MB`,
    );
  });

  it('a paged list refreshes the pages in view: a server that fills up moves to the top within a refresh', {
    timeout: STEP_MS,
  }, async () => {
    await page.goto(t.url);
    await page.locator('.live[data-status="polling"]').waitFor();
    await rowAt(0).locator('.name').waitFor();
    const firstPage = () => listAnswers.filter(({ url }) => url.searchParams.get('offset') === '0');
    // While nothing changes, a refresh costs a 304: the page's ETag still holds.
    await page.waitForResponse(
      (response) => new URL(response.url()).searchParams.get('offset') === '0' && response.status() === 304,
      { timeout: 5000 },
    );
    assert.equal(firstPage()[0]?.status, 200);
    const old = t.ms.registry.get('id12345') as ListedServer;
    const fields = { ...old, curPlayers: 99, maxPlayers: 100 };
    await t.ms.registry.put({ ...fields, json: publicServerJson(fields) });
    try {
      await page.waitForFunction(
        () => document.querySelector('tbody tr[aria-rowindex="2"]')?.getAttribute('data-id') === 'id12345',
        null,
        { timeout: 5000, polling: 50 },
      );
      assert.equal(await rowAt(0).locator('.count').textContent(), '99/100');
      assert.equal(firstPage().at(-1)?.status, 200, 'the changed page came whole');
    } finally {
      await t.ms.registry.put(old);
    }
  });

  it('filters go to the masterserver: a playlist of 12,500 servers stays paged; a search that matches a few follows the stream', {
    timeout: STEP_MS,
  }, async () => {
    await page.goto(`${t.url}/?playlist=aitdm`);
    await page.locator('.live[data-status="polling"]').waitFor();
    const inPlaylist = [...t.ms.registry.values()].filter((s) => s.playlist === 'aitdm').length;
    assert.ok(inPlaylist > 12_000);
    assert.equal(
      await page.locator('.list-count').textContent(),
      `${inPlaylist.toLocaleString('en-US')} servers match`,
    );
    assert.equal(await page.locator('#f-playlist').inputValue(), 'aitdm');
    assert.equal(await rowAt(0).locator('.c-playlist').textContent(), 'Attrition');
    assert.ok(listRequests.some((url) => url.searchParams.get('playlist') === 'aitdm'));

    await page.locator('#f-q').fill('server 9999');
    await page.locator('.live[data-status="live"]').waitFor();
    // "[NS] Server 9999" and "[NS] Server 99990" to "99999", in the playlist: the masterserver's count.
    const expected = [...t.ms.registry.values()].filter(
      (s) => s.playlist === 'aitdm' && s.name.toLowerCase().includes('server 9999'),
    ).length;
    assert.equal(
      await page.locator('.list-count').textContent(),
      `${expected} server${expected === 1 ? ' matches' : 's match'}`,
    );
    const stream = listRequests.find((url) => url.pathname === '/v2/client/servers/events');
    assert.equal(stream?.search, '?q=server+9999&playlist=aitdm');
    assert.equal(await page.locator('tbody tr[data-id]').count(), expected);
  });
});
