import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JoinErrorType, type JoinEvent, rejectJoin, type ServerInfoInit } from '@masterserver/sdk';
import type { Page } from 'playwright-core';
import { publicServerJson } from '../../src/registry/registry.js';
import type { TestMs } from '../helpers.js';
import { pageFixture } from './page-fixture.js';

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

describe('the server browser page, in Chromium', () => {
  const fx = pageFixture({ joinTimeout: 3000 }, 45_000);
  const { register, open, waitForRows, waitForSearch, row, dialog, listRequests } = fx;
  let page: Page;
  let t: TestMs;
  beforeEach(() => {
    page = fx.page;
    t = fx.t;
  });

  it('shows the registered servers: name, map and playlist by their names, players with a bar, password lock, game state, reachability, totals', async () => {
    await register({ name: 'Alpha Base', desc: 'EU casual', map: 'mp_glitch', curPlayers: 5, maxPlayers: 12 });
    await register({ name: 'Bravo Locked', password: 'secret', curPlayers: 2 });
    await register({ name: 'Charlie Full', curPlayers: 16, maxPlayers: 16, gameState: 4 });
    await open();
    await waitForRows(['Charlie Full', 'Alpha Base', 'Bravo Locked']);
    const alpha = row('Alpha Base');
    assert.equal(await alpha.locator('.desc').textContent(), 'EU casual');
    assert.equal(await alpha.locator('.c-map').textContent(), 'Glitch');
    assert.equal(await alpha.locator('.c-map').getAttribute('title'), 'mp_glitch', 'the raw value in the tooltip');
    assert.equal(await alpha.locator('.c-playlist').textContent(), 'fd_regular', 'raw: the table has no name for it');
    assert.equal(await alpha.locator('.c-players .count').textContent(), '5/12');
    assert.equal(await alpha.locator('.bar .fill').evaluate((e) => (e as HTMLElement).style.width), '42%');
    assert.equal(await alpha.getByRole('img', { name: 'Password required' }).count(), 0);
    assert.equal(await row('Bravo Locked').getByRole('img', { name: 'Password required' }).count(), 1);
    assert.equal(await row('Charlie Full').locator('.c-state').textContent(), 'Playing');
    assert.equal(
      await alpha.locator('.c-reach').textContent(),
      'Not checked',
      'probing is off: said so, not "Checking"',
    );
    assert.equal(await page.locator('#f-reachable').count(), 0, 'and no "Reachable only" filter');
    assert.equal(await page.locator('.spark.players .spark-value').textContent(), '23');
    assert.equal(await page.locator('.spark.servers .spark-value').textContent(), '3');
    assert.equal(await page.locator('.list-count').textContent(), '3 servers');
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

  it('search and filters narrow the list, asked of the masterserver; the URL keeps them, and a reload shows the same view', async () => {
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
    await waitForSearch('?q=frontier&map=mp_glitch&notFull=1');
    // The page asked for exactly that: the first page of the filter, then its live stream.
    const asked = listRequests.map((url) => `${url.pathname}${url.search}`);
    assert.ok(asked.includes('/v2/client/servers?q=frontier&map=mp_glitch&notFull=1&limit=100&offset=0'), asked.join());
    assert.equal(asked.at(-1), '/v2/client/servers/events?q=frontier&map=mp_glitch&notFull=1');

    await page.reload();
    await page.locator('.live[data-status="live"]').waitFor();
    await waitForRows(['Frontier EU']);
    assert.equal(await page.locator('#f-q').inputValue(), 'frontier');
    assert.equal(await page.locator('#f-map').inputValue(), 'mp_glitch');
    assert.equal(await page.getByLabel('Hide full').isChecked(), true);
    assert.equal(await page.locator('.list-count').textContent(), '1 server matches');

    await page.getByRole('button', { name: 'Clear' }).click();
    await waitForRows(['Frontier Full', 'Frontier EU', 'Frontier NA', 'Attrition']);
    await waitForSearch('');
  });

  it('a list that cannot be had at first is asked again: the page says it is reconnecting, then shows the rows', async () => {
    await register({ name: 'Patient', curPlayers: 1 });
    await page.route('**/v2/client/servers?*', (route) => route.abort('connectionrefused'));
    await page.goto(t.url);
    await page.locator('.live[data-status="offline"]').waitFor();
    assert.equal(await page.locator('.live').textContent(), 'Reconnecting…');
    await page.unroute('**/v2/client/servers?*');
    await page.locator('.live[data-status="live"]').waitFor({ timeout: 5000 });
    await waitForRows(['Patient']);
  });

  it('the list is in the masterserver’s order (players, then name); the headers do not sort, and an old sort link shows that order', async () => {
    await register({ name: 'Bravo', curPlayers: 5 });
    await register({ name: 'alpha', curPlayers: 5 });
    await register({ name: 'Charlie', curPlayers: 9 });
    await open('/?sort=name&dir=desc');
    await waitForRows(['Charlie', 'Bravo', 'alpha']);
    assert.equal(await page.locator('thead button').count(), 0);
    assert.equal(await page.locator('th[aria-sort]').count(), 0);
    await waitForSearch('');
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
    await open();
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
    // B moves up and Z comes first: the rows stay where they are, and their text changes.
    await waitForRows(['Steady Z', 'Steady B', 'Steady A']);
    await page.waitForFunction(() => document.querySelectorAll('tbody tr[data-id] .count')[1]?.textContent === '15/16');
    // The bar's transition, to its end.
    await page.evaluate(() => Promise.all(document.getAnimations().map((animation) => animation.finished)));
    assert.deepEqual(await geometry(), before);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { shifts: string[] }).shifts), []);
  });

  it('a screenshot for the README: a desktop window on a busy evening, written as a PNG', async () => {
    for (const info of EVENING) await register(info);
    // Probing is off in these tests, so the verdicts are set in the registry, as the prober sets them: most game
    // ports answered, one is firewalled, the newest is still being checked.
    const verdicts = new Map<string, boolean | null>([
      ['Gun Game & parkour', false],
      ['Fresh install, come say hi', null],
    ]);
    for (const server of [...t.ms.registry.values()]) {
      const fields = { ...server, reachable: verdicts.has(server.name) ? (verdicts.get(server.name) ?? null) : true };
      await t.ms.registry.put({ ...fields, json: publicServerJson(fields) });
    }
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
    // The listings above carry probe verdicts; this fixture's masterserver probes nothing, so the page is told
    // it does (else every badge would say "Not checked").
    await page.route('**/v2/client/config', (route) =>
      route.fulfill({ json: { playerAuth: 'none', reachability: 'mark' } }),
    );
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
    await page.waitForFunction(() => document.querySelectorAll('.c-reach [data-reach="yes"]').length === 8);
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
