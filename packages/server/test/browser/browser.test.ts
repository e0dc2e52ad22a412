import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  acceptEveryone,
  GameServerClient,
  JoinErrorType,
  type JoinEvent,
  type JoinHandler,
  rejectJoin,
  type ServerInfoInit,
} from '@masterserver/sdk';
import type { Page } from 'playwright-core';
import { startMs, type TestMs, TOKEN } from '../helpers.js';
import { launchBrowser, type TestBrowser, watchProblems } from './browser-helpers.js';

/**
 * Where the screenshot for the README is written: `MS_SCREENSHOT`, or
 * `artifacts/server-browser.png` at the root of the repository (not kept in
 * git; `npm run screenshot` writes the README's `docs/images/server-browser.png`).
 */
const SCREENSHOT = resolve(
  process.env.MS_SCREENSHOT ?? fileURLToPath(new URL('../../../../../artifacts/server-browser.png', import.meta.url)),
);

/** An evening on a community masterserver, for the screenshot: name, map, playlist, players, slots, state, password. */
const EVENING: ReadonlyArray<Partial<ServerInfoInit>> = [
  {
    name: '[EU] Attrition 24/7 | Vanilla+',
    desc: 'No cheese. Discord in the MOTD',
    map: 'mp_glitch',
    playlist: 'aitdm',
    curPlayers: 14,
    maxPlayers: 16,
    gameState: 4,
  },
  {
    name: 'Frontier Defense — Master difficulty',
    desc: 'Bring a Legion',
    map: 'mp_homestead',
    playlist: 'fd_master',
    curPlayers: 4,
    maxPlayers: 4,
    gameState: 4,
  },
  {
    name: 'Pilots vs Pilots | Angel City only',
    desc: '',
    map: 'mp_angel_city',
    playlist: 'ps',
    curPlayers: 11,
    maxPlayers: 12,
    gameState: 4,
  },
  {
    name: '[NA-East] Titan Brawl',
    desc: 'Balanced teams, 2x XP weekends',
    map: 'mp_colony02',
    playlist: 'ttdm',
    curPlayers: 9,
    maxPlayers: 12,
    gameState: 5,
  },
  {
    name: 'Amped Hardpoint [ASIA]',
    desc: 'Tokyo host',
    map: 'mp_eden',
    playlist: 'cp',
    curPlayers: 7,
    maxPlayers: 16,
    gameState: 4,
  },
  {
    name: 'Scrims — ask for the password',
    desc: 'League nights Tue/Thu',
    map: 'mp_thaw',
    playlist: 'lts',
    curPlayers: 6,
    maxPlayers: 10,
    gameState: 2,
    password: 'scrims',
  },
  {
    name: 'Live Fire Lounge',
    desc: '',
    map: 'mp_lf_stacks',
    playlist: 'lf',
    curPlayers: 5,
    maxPlayers: 12,
    gameState: 4,
  },
  {
    name: 'Gun Game & parkour',
    desc: 'Modded: grapple everywhere',
    map: 'mp_black_water_canal',
    playlist: 'gg',
    curPlayers: 3,
    maxPlayers: 16,
    gameState: 1,
  },
  {
    name: 'Coliseum 1v1',
    desc: 'Winner stays',
    map: 'mp_coliseum',
    playlist: 'coliseum',
    curPlayers: 2,
    maxPlayers: 2,
    gameState: 7,
  },
  {
    name: 'Fresh install, come say hi',
    desc: '',
    map: 'mp_forwardbase_kodai',
    playlist: 'aitdm',
    curPlayers: 0,
    maxPlayers: 16,
    gameState: 1,
  },
];

/** A game server on the SDK, listed, with the joins it answered. */
interface Registered {
  gs: GameServerClient;
  info: ServerInfoInit;
  /** The joins it answered, oldest first. */
  joins: JoinEvent[];
  /** How it answers the next joins: accepts everyone unless a test says otherwise. */
  onJoin: JoinHandler;
}

describe('the server browser page, in Chromium', () => {
  let t: TestMs;
  let browser: TestBrowser | undefined;
  let page: Page;
  let nextPort = 45_000;
  const opened: GameServerClient[] = [];
  /** Console errors, page errors and CSP violations of the current test. */
  const problems: string[] = [];

  /** Starts an SDK game server with `info` (over defaults) and waits until it is listed. */
  async function register(info: Partial<ServerInfoInit>): Promise<Registered> {
    const full: ServerInfoInit = {
      name: 'Test Server',
      desc: '',
      port: nextPort++,
      map: 'mp_forwardbase_kodai',
      playlist: 'fd_regular',
      maxPlayers: 16,
      ...info,
    };
    const gs = new GameServerClient({
      url: t.wsUrl,
      regToken: TOKEN,
      info: full,
      minRegisterGap: 0,
      backoff: { initial: 50, max: 200 },
      onJoin: (join, signal) => registered.onJoin(join, signal),
    });
    const registered: Registered = { gs, info: full, joins: [], onJoin: acceptEveryone };
    gs.on('join', (event) => registered.joins.push(event));
    opened.push(gs);
    gs.on('registrationFailed', (error) => problems.push(`${full.name} was not listed: ${error.msg}`));
    await gs.start().whenRegistered(AbortSignal.timeout(5000));
    return registered;
  }

  /** Opens the page and waits until the live stream delivered the list. */
  async function open(path = '/'): Promise<void> {
    await page.goto(`${t.url}${path}`);
    await page.locator('.live[data-status="live"]').waitFor();
  }

  const rowNames = () => page.locator('tbody tr[data-id] .c-name .name').allTextContents();

  /** Waits until the rows' names are `names`, in order. */
  async function waitForRows(names: string[], timeout = 2000): Promise<void> {
    try {
      await page.waitForFunction(
        (expected) =>
          JSON.stringify(
            [...document.querySelectorAll('tbody tr[data-id] .c-name .name')].map((e) => e.textContent),
          ) === JSON.stringify(expected),
        names,
        { timeout, polling: 20 },
      );
    } catch {
      assert.deepEqual(await rowNames(), names, `rows within ${timeout} ms`);
    }
  }

  /** Waits until the page's query string is `search` (the URL follows the view a moment after the rows). */
  async function waitForSearch(search: string, timeout = 2000): Promise<void> {
    try {
      await page.waitForFunction((expected) => location.search === expected, search, { timeout, polling: 20 });
    } catch {
      assert.equal(await page.evaluate(() => location.search), search, `query string within ${timeout} ms`);
    }
  }

  const row = (name: string) => page.locator('tbody tr[data-id]', { has: page.getByText(name, { exact: true }) });
  const dialog = () => page.locator('dialog.join-dialog');

  before(async () => {
    t = await startMs({ joinTimeout: 3000 });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });
  beforeEach(async () => {
    if (browser === undefined) throw new Error('no browser');
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    watchProblems(page, problems);
  });
  afterEach(async () => {
    await page.close();
    await Promise.all(opened.splice(0).map((gs) => gs.close()));
    assert.deepEqual(problems.splice(0), [], 'console errors, page errors or CSP violations');
  });

  it('shows the registered servers: name, map, players with a bar, password lock, game state, totals', async () => {
    await register({ name: 'Alpha Base', desc: 'EU casual', map: 'mp_glitch', curPlayers: 5, maxPlayers: 12 });
    await register({ name: 'Bravo Locked', password: 'secret', curPlayers: 2 });
    await register({ name: 'Charlie Full', curPlayers: 16, maxPlayers: 16, gameState: 4 });
    await open();
    await waitForRows(['Charlie Full', 'Alpha Base', 'Bravo Locked']);
    const alpha = row('Alpha Base');
    assert.equal(await alpha.locator('.desc').textContent(), 'EU casual');
    assert.equal(await alpha.locator('.c-map').textContent(), 'mp_glitch');
    assert.equal(await alpha.locator('.c-players .count').textContent(), '5/12');
    assert.equal(await alpha.locator('.bar .fill').evaluate((e) => (e as HTMLElement).style.width), '42%');
    assert.equal(await alpha.getByRole('img', { name: 'Password required' }).count(), 0);
    assert.equal(await row('Bravo Locked').getByRole('img', { name: 'Password required' }).count(), 1);
    assert.equal(await row('Charlie Full').locator('.c-state').textContent(), 'Playing');
    assert.equal(await page.locator('.spark.players .spark-value').textContent(), '23');
    assert.equal(await page.locator('.spark.servers .spark-value').textContent(), '3');
    assert.match(String(await page.locator('.list-count').textContent()), /Showing all 3 servers/);
  });

  it('a server registered after load appears within 2 s, its player count moves, and it disappears within 2 s of closing', async () => {
    await register({ name: 'Resident', curPlayers: 3 });
    await open();
    await waitForRows(['Resident']);
    const late = await register({ name: 'Newcomer', curPlayers: 1 });
    await waitForRows(['Resident', 'Newcomer']);
    late.gs.update({ curPlayers: 9 }, { now: true });
    await waitForRows(['Newcomer', 'Resident']);
    assert.equal(await row('Newcomer').locator('.count').textContent(), '9/16');
    await late.gs.close();
    await waitForRows(['Resident']);
  });

  it('search and a filter narrow the list; the URL keeps them, and a reload shows the same view', async () => {
    await register({ name: 'Frontier EU', map: 'mp_glitch', curPlayers: 4 });
    await register({ name: 'Frontier NA', map: 'mp_colony02', curPlayers: 3 });
    await register({ name: 'Attrition', map: 'mp_glitch', curPlayers: 2 });
    await register({ name: 'Frontier Full', map: 'mp_glitch', curPlayers: 16, maxPlayers: 16 });
    await open();
    await page.locator('#f-q').fill('frontier');
    await waitForRows(['Frontier Full', 'Frontier EU', 'Frontier NA']);
    await page.locator('#f-map').selectOption('mp_glitch');
    await waitForRows(['Frontier Full', 'Frontier EU']);
    await page.getByLabel('Hide full').check();
    await waitForRows(['Frontier EU']);
    await waitForSearch('?q=frontier&map=mp_glitch&full=hide');

    await page.reload();
    await page.locator('.live[data-status="live"]').waitFor();
    await waitForRows(['Frontier EU']);
    assert.equal(await page.locator('#f-q').inputValue(), 'frontier');
    assert.equal(await page.locator('#f-map').inputValue(), 'mp_glitch');
    assert.equal(await page.getByLabel('Hide full').isChecked(), true);
    assert.match(String(await page.locator('.list-count').textContent()), /Showing 1 of 4 servers/);

    await page.getByRole('button', { name: 'Clear' }).click();
    await waitForRows(['Frontier Full', 'Frontier EU', 'Frontier NA', 'Attrition']);
    await waitForSearch('');
  });

  it('clicking a column header sorts by it; clicking again reverses; the URL keeps the order', async () => {
    await register({ name: 'Bravo', curPlayers: 5 });
    await register({ name: 'alpha', curPlayers: 1 });
    await register({ name: 'Charlie', curPlayers: 9 });
    await open();
    await waitForRows(['Charlie', 'Bravo', 'alpha']);
    const nameHeader = page.locator('th.c-name');
    await nameHeader.getByRole('button').click();
    await waitForRows(['alpha', 'Bravo', 'Charlie']);
    assert.equal(await nameHeader.getAttribute('aria-sort'), 'ascending');
    assert.equal(await page.locator('th.c-players').getAttribute('aria-sort'), null);
    await waitForSearch('?sort=name');
    await nameHeader.getByRole('button').click();
    await waitForRows(['Charlie', 'Bravo', 'alpha']);
    assert.equal(await nameHeader.getAttribute('aria-sort'), 'descending');
    await page.locator('th.c-players').getByRole('button').click();
    await waitForRows(['Charlie', 'Bravo', 'alpha']);
    await page.locator('th.c-players').getByRole('button').click();
    await waitForRows(['alpha', 'Bravo', 'Charlie']);
    await waitForSearch('?sort=players&dir=asc');
  });

  it('join: a passworded server asks for the password; the game server accepts; the dialog shows address, session token and conv', async () => {
    const { info, joins } = await register({ name: 'Secret Base', password: 'hunter2' });
    await open();
    await row('Secret Base').getByRole('button', { name: 'Join Secret Base' }).click();
    const d = dialog();
    await d.waitFor();
    assert.equal(await d.getByRole('heading').textContent(), 'Join Secret Base');
    assert.equal(await d.getByLabel('Server password').isVisible(), true);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'password');
    await d.getByLabel('Server password').fill('hunter2');
    await d.getByLabel('Username').fill('Viper');
    await d.getByLabel('Clan tag').fill('NS');
    await d.getByRole('button', { name: 'Join', exact: true }).click();
    await d.locator('[data-field="address"]').waitFor();
    // What the game server's join handler saw is what the player is shown.
    assert.equal(joins.length, 1);
    const [{ join, accepted }] = joins as [JoinEvent];
    assert.equal(accepted, true);
    assert.equal(join.username, 'Viper');
    assert.equal(join.clantag, 'NS');
    assert.equal(await d.locator('[data-field="address"]').textContent(), `127.0.0.1:${info.port}`);
    assert.equal(await d.locator('[data-field="sessionToken"]').textContent(), join.sessionToken);
    assert.equal(await d.locator('[data-field="conv"]').textContent(), String(join.conv));
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Done');
    await d.getByRole('button', { name: 'Done' }).click();
    await d.waitFor({ state: 'detached' });
  });

  it('join: a wrong password is said in words, and the password field gets the focus back', async () => {
    const { joins } = await register({ name: 'Locked Door', password: 'right' });
    await open();
    await row('Locked Door').getByRole('button', { name: 'Join Locked Door' }).click();
    const d = dialog();
    await d.getByLabel('Server password').fill('wrong');
    await d.getByLabel('Username').fill('Pilot');
    await d.getByRole('button', { name: 'Join', exact: true }).click();
    assert.match(String(await d.getByRole('alert').textContent()), /^Wrong password/);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'password');
    assert.deepEqual(joins, [], 'the masterserver refused it without asking the game server');
  });

  it('join: a rejection shows the game server’s message', async () => {
    const picky = await register({ name: 'Picky' });
    picky.onJoin = () => rejectJoin(JoinErrorType.REFUSED, 'Server is whitelisted');
    await open();
    await row('Picky').getByRole('button', { name: 'Join Picky' }).click();
    const d = dialog();
    await d.getByLabel('Username').fill('Pilot');
    await d.getByRole('button', { name: 'Join', exact: true }).click();
    assert.equal(await d.getByRole('alert').textContent(), 'The game server refused the join: Server is whitelisted');
  });

  it('Escape closes the dialog, and the focus returns to the row’s join button', async () => {
    await register({ name: 'Focus Test' });
    await open();
    const button = row('Focus Test').getByRole('button', { name: 'Join Focus Test' });
    await button.click();
    await dialog().waitFor();
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Join Focus Test');
  });

  it('keyboard: Tab reaches the search box and a row’s join button; Enter opens the dialog with the focus in it', async () => {
    await register({ name: 'Keyboard Server' });
    await open();
    const active = () =>
      page.evaluate(() => {
        const e = document.activeElement;
        return e === null ? '' : `${e.tagName.toLowerCase()}#${e.id}.${e.className}`;
      });
    let reachedSearch = false;
    for (let i = 0; i < 10 && !reachedSearch; i++) {
      await page.keyboard.press('Tab');
      reachedSearch = (await active()).startsWith('input#f-q');
    }
    assert.ok(reachedSearch, 'Tab reaches the search box');
    let reachedJoin = false;
    for (let i = 0; i < 30 && !reachedJoin; i++) {
      await page.keyboard.press('Tab');
      reachedJoin = (await active()).startsWith('button#.join');
    }
    assert.ok(reachedJoin, 'Tab reaches a join button');
    await page.keyboard.press('Enter');
    await dialog().waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.closest('dialog') !== null), true);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('autocomplete')), 'nickname');
  });

  it('a phone-sized screen (375×667) has no horizontal scroll, with long names and the dialog open', async () => {
    await page.setViewportSize({ width: 375, height: 667 });
    await register({
      name: 'A server name far too long for a phone to show in one line',
      desc: 'and a description that is just as long, if not longer, than the name before it',
      map: 'mp_black_water_canal',
      playlist: 'fd_regular',
    });
    await open();
    await page.locator('tbody tr[data-id]').first().waitFor();
    const overflow = () =>
      page.evaluate(() => {
        const wrap = document.querySelector('.table-wrap') as HTMLElement;
        return {
          page: document.documentElement.scrollWidth > document.documentElement.clientWidth,
          table: wrap.scrollWidth > wrap.clientWidth,
        };
      });
    assert.deepEqual(await overflow(), { page: false, table: false });
    assert.equal(await page.locator('th.c-map').isVisible(), false, 'the map moves under the name');
    const joinCellsOverflow = await page.evaluate(() =>
      [...document.querySelectorAll('tbody td.c-join, tbody td.c-players')].some((c) => c.scrollWidth > c.clientWidth),
    );
    assert.equal(joinCellsOverflow, false, 'the players and join cells fit their content');
    assert.equal(await page.locator('tbody .meta').first().isVisible(), true);
    await page.locator('button.join').first().click();
    const box = await dialog().boundingBox();
    assert.ok(box !== null && box.x >= 0 && box.x + box.width <= 375, JSON.stringify(box));
    assert.deepEqual(await overflow(), { page: false, table: false });
  });

  it('updates move nothing: rows keep their place and size, columns their width, no layout shift', async () => {
    await register({ name: 'Steady A', curPlayers: 3 });
    const b = await register({ name: 'Steady B', curPlayers: 2 });
    await open('/?sort=name');
    await waitForRows(['Steady A', 'Steady B']);
    // Every layout shift from here on, with what moved (a shift caused by input would not count, but there is none).
    await page.evaluate(() => {
      const w = window as unknown as { shifts: string[] };
      w.shifts = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as unknown as Array<{
          value: number;
          sources: Array<{ node: Node | null; previousRect: DOMRect; currentRect: DOMRect }>;
        }>) {
          for (const { node, previousRect, currentRect } of entry.sources) {
            const what = node instanceof Element ? `${node.tagName}.${node.className}` : `text "${node?.textContent}"`;
            w.shifts.push(`${entry.value}: ${what} ${JSON.stringify([previousRect, currentRect])}`);
          }
        }
      }).observe({ type: 'layout-shift' });
    });
    const geometry = () =>
      page.evaluate(() => ({
        rows: [...document.querySelectorAll('tbody tr[data-id]')].slice(0, 2).map((r) => {
          const { x, y, width, height } = r.getBoundingClientRect();
          return [x, y, width, height];
        }),
        headers: [...document.querySelectorAll('thead th')].map((h) => h.getBoundingClientRect().width),
      }));
    const before = await geometry();
    b.gs.update({ curPlayers: 15 }, { now: true });
    await register({ name: 'Steady Z', curPlayers: 16, maxPlayers: 16 });
    await waitForRows(['Steady A', 'Steady B', 'Steady Z']);
    await page.waitForFunction(() => document.querySelector('tbody tr:nth-child(2) .count')?.textContent === '15/16');
    // The bar's transition, to its end.
    await page.evaluate(() => Promise.all(document.getAnimations().map((animation) => animation.finished)));
    assert.deepEqual(await geometry(), before);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { shifts: string[] }).shifts), []);
  });

  it('a screenshot for the README: a desktop window on a busy evening, written as a PNG', async () => {
    for (const info of EVENING) await register(info);
    const players = EVENING.reduce((sum, s) => sum + (s.curPlayers ?? 0), 0);
    // The test cannot wait an hour for the chart, so the picture's history is made up: a
    // crowd arriving over the evening, ending at the servers above (the list itself is real).
    await page.route('**/v2/client/stats/history', (route) => {
      const now = Date.now();
      const samples = Array.from({ length: 720 }, (_, i) => {
        const x = i / 719;
        const swing = Math.sin(i / 9) * 2 + Math.sin(i / 37) * 3;
        return {
          t: now - (719 - i) * 5000,
          players: Math.max(0, Math.round(players * (0.35 + 0.65 * x ** 1.5) + swing * x)),
          servers: Math.min(EVENING.length, Math.round(5 + 5 * x + Math.sin(i / 60))),
        };
      });
      return route.fulfill({ json: { intervalMs: 5000, windowMs: 3_600_000, samples } });
    });
    await page.setViewportSize({ width: 1280, height: 760 });
    await open();
    await waitForRows(
      [...EVENING]
        .sort((a, b) => (b.curPlayers ?? 0) - (a.curPlayers ?? 0) || String(a.name).localeCompare(String(b.name)))
        .map((s) => String(s.name)),
    );
    await page.waitForFunction(
      () => (document.querySelector('.spark.players path')?.getAttribute('d') ?? '').length > 100,
    );
    await page.locator('#f-q').blur();
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true, animations: 'disabled' });
    const png = readFileSync(SCREENSHOT);
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.equal(png.readUInt32BE(16), 1280, 'width');
    assert.ok(png.readUInt32BE(20) >= 760, 'height');
  });

  it('shows the players and servers of the last hour as two labelled sparklines', async () => {
    await register({ name: 'Charted', curPlayers: 6 });
    t.ms.stats.sample();
    await open();
    const players = page.getByRole('img', { name: /^Players over the last hour/ });
    await page.waitForFunction(() =>
      document.querySelector('.spark.players svg')?.getAttribute('aria-label')?.includes('6 now'),
    );
    assert.match(String(await players.getAttribute('aria-label')), /: 6 now, peak \d+$/);
    assert.equal(await page.getByRole('img', { name: /^Servers over the last hour: 1 now/ }).count(), 1);
  });
});
