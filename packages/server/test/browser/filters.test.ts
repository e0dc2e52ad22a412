import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { answerProbes, bindGamePort } from '@masterserver/sdk';
import type { Page, Request, Response } from 'playwright-core';
import { type ListedServer, toListedServer } from '../../src/registry/registry.js';
import type { TestMs } from '../helpers.js';
import { pageFixture } from './page-fixture.js';

describe('the server browser’s filters, display names and reachability, in Chromium', () => {
  // Probing on (mark): the badges and the reachable filter show; servers listed directly are never probed.
  const fx = pageFixture({ verifyReachability: 'mark' }, 47_000);
  const { register, open, waitForRows, waitForSearch, row, dialog, listRequests } = fx;
  let page: Page;
  let t: TestMs;
  beforeEach(() => {
    page = fx.page;
    t = fx.t;
  });

  /** The query strings the page asked the list (`servers`) and its stream (`events`) with, in order. */
  const asked = (kind: 'servers' | 'events') =>
    listRequests
      .filter((url) => url.pathname === (kind === 'servers' ? '/v2/client/servers' : '/v2/client/servers/events'))
      .map((url) => url.search);

  /** Lists `server` straight in the registry (as a game server's registration would), for the test. */
  async function listDirectly(servers: ListedServer[], body: () => Promise<void>): Promise<void> {
    for (const server of servers) await t.ms.registry.put(server);
    try {
      await body();
    } finally {
      for (const server of servers) await t.ms.registry.delete(server);
    }
  }

  it('every filter reaches the masterserver as the list’s parameter, for the page and its stream; the rows are the answer', async () => {
    await register({ name: 'Glitch Attrition', map: 'mp_glitch', playlist: 'aitdm', curPlayers: 5, gameState: 4 });
    await register({ name: 'Rise Skirmish', map: 'mp_rise', playlist: 'tdm', curPlayers: 0, gameState: 1 });
    await register({
      name: 'Locked Glitch',
      map: 'mp_glitch',
      playlist: 'tdm',
      curPlayers: 3,
      gameState: 4,
      password: 'x',
    });
    await register({
      name: 'Full Eden',
      map: 'mp_eden',
      playlist: 'aitdm',
      curPlayers: 16,
      maxPlayers: 16,
      gameState: 4,
    });
    await open();
    const everyone = ['Full Eden', 'Glitch Attrition', 'Locked Glitch', 'Rise Skirmish'];
    await waitForRows(everyone);
    const steps: Array<{ param: string; act(): Promise<unknown>; rows: string[] }> = [
      {
        param: 'q=glitch',
        act: () => page.locator('#f-q').fill('glitch'),
        rows: ['Glitch Attrition', 'Locked Glitch'],
      },
      // The choices show the names people read; the value sent is the raw one.
      {
        param: 'map=mp_glitch',
        act: () => page.locator('#f-map').selectOption({ label: 'Glitch' }),
        rows: ['Glitch Attrition', 'Locked Glitch'],
      },
      {
        param: 'playlist=tdm',
        act: () => page.locator('#f-playlist').selectOption({ label: 'Skirmish' }),
        rows: ['Locked Glitch', 'Rise Skirmish'],
      },
      {
        param: 'gameState=4',
        act: () => page.locator('#f-state').selectOption({ label: 'Playing' }),
        rows: ['Full Eden', 'Glitch Attrition', 'Locked Glitch'],
      },
      { param: 'notFull=1', act: () => page.getByLabel('Hide full').check(), rows: everyone.slice(1) },
      {
        param: 'notEmpty=1',
        act: () => page.getByLabel('Hide empty').check(),
        rows: ['Full Eden', 'Glitch Attrition', 'Locked Glitch'],
      },
      {
        param: 'noPassword=1',
        act: () => page.getByLabel('Hide passworded').check(),
        rows: ['Full Eden', 'Glitch Attrition', 'Rise Skirmish'],
      },
      // Probing is off here: no server is known reachable.
      { param: 'reachable=1', act: () => page.getByLabel('Reachable only').check(), rows: [] },
    ];
    for (const { param, act, rows } of steps) {
      await act();
      await waitForRows(rows);
      await waitForSearch(`?${param}`);
      assert.ok(asked('servers').includes(`?${param}&limit=100&offset=0`), `${param}: ${asked('servers').join(' ')}`);
      assert.equal(asked('events').at(-1), `?${param}`, param);
      if (rows.length === 0)
        assert.equal(await page.locator('tbody').textContent(), 'No server matches the search and filters.');
      await page.getByRole('button', { name: 'Clear' }).click();
      await waitForRows(everyone);
      await waitForSearch('');
      assert.equal(asked('events').at(-1), '', 'after Clear, the whole list again');
    }
  });

  it('a shared link opens its view: the filters set, the masterserver asked for exactly them, the rows its answer', async () => {
    await register({ name: 'Match', map: 'mp_glitch', playlist: 'aitdm', curPlayers: 5, gameState: 4 });
    await register({
      name: 'Match but full',
      map: 'mp_glitch',
      playlist: 'aitdm',
      curPlayers: 8,
      maxPlayers: 8,
      gameState: 4,
    });
    await register({ name: 'Other map', map: 'mp_rise', playlist: 'aitdm', curPlayers: 5, gameState: 4 });
    const search = '?q=match&map=mp_glitch&playlist=aitdm&gameState=4&notFull=1&notEmpty=1&noPassword=1&qp=aitdm';
    await open(`/${search}`);
    await waitForRows(['Match']);
    assert.equal(await page.evaluate(() => location.search), search, 'the URL stays as it was shared');
    const query = search.replace('&qp=aitdm', '');
    assert.deepEqual(asked('servers'), [`${query}&limit=100&offset=0`], 'one page, with every filter');
    assert.deepEqual(asked('events'), [query], 'the stream, with every filter');
    assert.equal(await page.locator('#f-q').inputValue(), 'match');
    assert.equal(await page.locator('#f-map').inputValue(), 'mp_glitch');
    assert.equal(await page.locator('#f-playlist').inputValue(), 'aitdm');
    assert.equal(await page.locator('#f-state').inputValue(), '4');
    for (const label of ['Hide full', 'Hide empty', 'Hide passworded'])
      assert.equal(await page.getByLabel(label).isChecked(), true, label);
    assert.equal(await page.getByLabel('Reachable only').isChecked(), false);
    assert.equal(await page.locator('#qp-playlist').inputValue(), 'aitdm', 'the quick-play playlist too');
    assert.equal(await page.locator('.list-count').textContent(), '1 server matches');

    // A change made on the page is in the URL, ready to be shared.
    await page.getByLabel('Hide empty').uncheck();
    await waitForSearch(search.replace('&notEmpty=1', ''));
    await page.locator('#qp-playlist').selectOption({ label: 'Skirmish' });
    await waitForSearch(search.replace('&notEmpty=1', '').replace('qp=aitdm', 'qp=tdm'));
  });

  it('display names: the table’s names in rows, choices and the join dialog, the raw value where it has none; fetched once, then revalidated with its ETag', async () => {
    await register({ name: 'Named', map: 'mp_glitch', playlist: 'aitdm', curPlayers: 2 });
    await register({ name: 'Custom', map: 'mp_custom_arena', playlist: 'my_mode', curPlayers: 1 });
    await open();
    await page.waitForFunction(() => document.querySelector('tr[data-id] .c-map')?.textContent === 'Glitch');
    // A first visit: nothing kept.
    await page.evaluate(() => localStorage.removeItem('ms-browser.display-names'));
    const namesAnswers: Array<{ status: number; ifNoneMatch: string | undefined }> = [];
    page.on('response', (response: Response) => {
      const request: Request = response.request();
      if (new URL(response.url()).pathname === '/v2/client/display-names')
        namesAnswers.push({ status: response.status(), ifNoneMatch: request.headers()['if-none-match'] });
    });
    await page.reload();
    await page.locator('.live[data-status="live"]').waitFor();
    await waitForRows(['Named', 'Custom']);
    await page.waitForFunction(() => document.querySelector('tr[data-id] .c-map')?.textContent === 'Glitch');
    assert.equal(await row('Named').locator('.c-playlist').textContent(), 'Attrition');
    assert.equal(await row('Custom').locator('.c-map').textContent(), 'mp_custom_arena');
    assert.equal(await row('Custom').locator('.c-playlist').textContent(), 'my_mode');
    assert.equal(await row('Named').locator('.meta').textContent(), 'Glitch · Attrition · Waiting · Checking');
    const options = (id: string) =>
      page
        .locator(`${id} option`)
        .evaluateAll((all) => all.map((o) => [(o as HTMLOptionElement).value, o.textContent]));
    const maps = await options('#f-map');
    assert.deepEqual(maps[0], ['', 'All maps']);
    assert.ok(JSON.stringify(maps).includes('["mp_glitch","Glitch"]'));
    assert.ok(JSON.stringify(maps).includes('["mp_custom_arena","mp_custom_arena"]'), 'a map seen in the list');
    assert.ok(JSON.stringify(maps).includes('["mp_rise","Rise"]'), 'every map the table names, listed or not');
    const labels = maps.slice(1).map(([, label]) => String(label));
    assert.deepEqual(
      labels,
      [...labels].sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' })),
    );
    assert.ok(JSON.stringify(await options('#qp-playlist')).includes('["aitdm","Attrition"]'));
    assert.ok(JSON.stringify(await options('#f-playlist')).includes('["my_mode","my_mode"]'));

    await row('Named').getByRole('button', { name: 'Join Named' }).click();
    assert.match(String(await dialog().locator('.dialog-sub').textContent()), /^Glitch · Attrition · 2\/16 players/);
    await page.keyboard.press('Escape');

    await page.reload();
    await page.locator('.live[data-status="live"]').waitFor();
    await page.waitForFunction(() => document.querySelector('tr[data-id] .c-map')?.textContent === 'Glitch');
    assert.equal(namesAnswers.length, 2, 'once per visit');
    assert.equal(namesAnswers[0]?.status, 200);
    assert.equal(namesAnswers[0]?.ifNoneMatch, undefined);
    assert.equal(namesAnswers[1]?.status, 304, 'the kept table is still good');
    assert.match(String(namesAnswers[1]?.ifNoneMatch), /^W\/".+"$/);
  });

  it('reachability: each row has a badge in words with an accessible name; "Reachable only" asks for reachable=1', async () => {
    const info = (name: string, curPlayers: number) => ({
      name,
      desc: '',
      port: 37_000 + curPlayers,
      map: 'mp_glitch',
      playlist: 'aitdm',
      curPlayers,
      maxPlayers: 16,
      gameState: 4,
    });
    await listDirectly(
      [
        toListedServer('reachable-1', info('Answers probes', 3), '192.0.2.1', 'test', true),
        toListedServer('reachable-2', info('Firewalled', 2), '192.0.2.2', 'test', false),
        toListedServer('reachable-3', info('Just registered', 1), '192.0.2.3', 'test', null),
      ],
      async () => {
        await open();
        await waitForRows(['Answers probes', 'Firewalled', 'Just registered']);
        const badge = (name: string) => row(name).locator('.c-reach [role="img"]');
        assert.equal(await badge('Answers probes').textContent(), 'Reachable');
        assert.equal(await badge('Firewalled').textContent(), 'Unreachable');
        assert.equal(await badge('Just registered').textContent(), 'Checking');
        assert.match(
          String(
            await row('Answers probes')
              .getByRole('img', { name: /^Reachable:/ })
              .getAttribute('aria-label'),
          ),
          /game port answered/,
        );
        assert.equal(
          await row('Firewalled')
            .getByRole('img', { name: /^Unreachable: the game port did not answer/ })
            .count(),
          1,
        );
        assert.equal(
          await row('Just registered')
            .getByRole('img', { name: /^Checking: not known yet/ })
            .count(),
          1,
        );
        // The word is there on a phone too, where the column is not.
        await page.setViewportSize({ width: 375, height: 667 });
        assert.equal(await badge('Firewalled').isVisible(), false);
        assert.match(String(await row('Firewalled').locator('.meta').textContent()), / · Unreachable$/);
        await page.setViewportSize({ width: 1280, height: 800 });

        await page.getByLabel('Reachable only').check();
        await waitForRows(['Answers probes']);
        await waitForSearch('?reachable=1');
        assert.equal(asked('events').at(-1), '?reachable=1');
      },
    );
  });
});

describe('the server browser’s reachability badges with real probes, in Chromium', () => {
  const fx = pageFixture({ verifyReachability: 'mark' }, 47_500);
  const { register, open, waitForRows, row } = fx;

  it('a game server that answers the probe turns Reachable, one that does not turns Unreachable, live', async () => {
    const socket = await bindGamePort({ port: 47_600, host: '127.0.0.1' });
    const stop = answerProbes(socket);
    try {
      await register({ name: 'Open port', port: 47_600, curPlayers: 2 });
      await open();
      await waitForRows(['Open port']);
      await register({ name: 'Closed port', port: 47_601, curPlayers: 1 });
      await waitForRows(['Open port', 'Closed port']);
      const badge = (name: string) => row(name).locator('.c-reach [role="img"]');
      // Three probes 500 ms apart, and 500 ms more: the verdict on a silent port comes 1.5 s after the first.
      await fx.page.waitForFunction(
        () =>
          [...document.querySelectorAll('tbody tr[data-id] .c-reach')].map((c) => c.textContent).join() ===
          'Reachable,Unreachable',
        null,
        { timeout: 5000, polling: 50 },
      );
      assert.equal(await badge('Open port').getAttribute('data-reach'), 'yes');
      assert.equal(await badge('Closed port').getAttribute('data-reach'), 'no');
    } finally {
      stop();
      socket.close();
    }
  });
});
