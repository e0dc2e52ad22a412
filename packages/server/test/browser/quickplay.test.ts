import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { JoinErrorType, rejectJoin } from '@masterserver/sdk';
import type { Page, Request } from 'playwright-core';
import type { TestMs } from '../helpers.js';
import { pageFixture } from './page-fixture.js';

describe('quick play on the server browser page, in Chromium', () => {
  const fx = pageFixture({ joinTimeout: 1500 }, 48_000);
  const { register, open, dialog } = fx;
  let page: Page;
  let t: TestMs;
  beforeEach(() => {
    page = fx.page;
    t = fx.t;
  });

  /** The bodies the page POSTed to quick play. */
  const posted: unknown[] = [];
  beforeEach(() => {
    posted.length = 0;
    page.on('request', (request: Request) => {
      if (new URL(request.url()).pathname === '/v2/client/quickplay') posted.push(request.postDataJSON());
    });
  });

  /** Opens the quick-play dialog for the playlist labelled `playlist`, names the player and submits. */
  async function quickPlay(playlist: string): Promise<void> {
    await page.locator('#qp-playlist').selectOption({ label: playlist });
    await page.getByRole('button', { name: 'Quick play' }).click();
    const d = dialog();
    await d.waitFor();
    assert.equal(await d.getByRole('heading').textContent(), 'Quick play');
    assert.match(String(await d.locator('.dialog-sub').textContent()), new RegExp(`^${playlist}: `));
    await d.getByLabel('Username').fill('Viper');
    await d.getByRole('button', { name: 'Join', exact: true }).click();
  }

  it('joins the fullest server of the playlist chosen and shows which, with where to connect', async () => {
    const fullest = await register({ name: 'Attrition busy', playlist: 'aitdm', curPlayers: 9 });
    await register({ name: 'Attrition quiet', playlist: 'aitdm', curPlayers: 2 });
    await register({ name: 'Skirmish crowd', playlist: 'tdm', curPlayers: 14 });
    await open();
    await quickPlay('Attrition');
    const d = dialog();
    await d.locator('[data-field="address"]').waitFor();
    assert.deepEqual(posted, [{ playlist: 'aitdm', username: 'Viper', clantag: '' }]);
    assert.equal(fullest.joins.length, 1, 'the fullest server of the playlist was asked');
    const [{ join }] = fullest.joins as [(typeof fullest.joins)[number]];
    assert.equal(await d.locator('[data-field="server"]').textContent(), 'Attrition busy');
    assert.match(String(await d.locator('.ticket').textContent()), /Forwardbase Kodai · Attrition/);
    assert.equal(await d.locator('[data-field="address"]').textContent(), `127.0.0.1:${fullest.info.port}`);
    assert.equal(await d.locator('[data-field="sessionToken"]').textContent(), join.sessionToken);
    assert.equal(await d.locator('[data-field="conv"]').textContent(), String(join.conv));
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Done');
    await d.getByRole('button', { name: 'Done' }).click();
    await d.waitFor({ state: 'detached' });
    assert.equal(
      await page.evaluate(() => document.activeElement?.textContent),
      'Quick play',
      'focus back on the button',
    );
    assert.match(await page.evaluate(() => location.search), /qp=aitdm/, 'the playlist chosen is in the URL');
  });

  it('says why none: nothing fits (0 tried), or every server tried refused (with how many)', async () => {
    const picky = await Promise.all(
      [3, 2, 1, 0].map((curPlayers) => register({ name: `Picky brawl ${curPlayers}`, playlist: 'ttdm', curPlayers })),
    );
    for (const gs of picky) gs.onJoin = () => rejectJoin(JoinErrorType.REFUSED, 'Whitelist only');
    await open();
    await quickPlay('Last Titan Standing');
    const alert = dialog().getByRole('alert');
    assert.equal(
      await alert.textContent(),
      'No server can take you right now: none that fits has a free slot without a password.',
    );
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'detached' });
    await quickPlay('Titan Brawl');
    assert.equal(
      await dialog().getByRole('alert').textContent(),
      'No server took you: all 3 servers tried refused, went away or did not answer. Try again in a moment.',
    );
    assert.deepEqual(
      picky.map((gs) => gs.joins.length),
      [1, 1, 1, 0],
      'the three fullest were asked, no more',
    );
    assert.deepEqual(
      posted.map((body) => (body as { playlist?: string }).playlist),
      ['lts', 'ttdm'],
    );
  });

  it('the page’s side, against answers as the spec words them: the request it sends, the server it names, each error in words', async () => {
    // Answers made up in the browser, for the outcomes hard to bring about for real: one per outcome.
    const answers = [
      { status: 404, json: { error: { code: 'NO_SERVER_AVAILABLE', msg: 'none' }, tried: 1 } },
      { status: 403, json: { error: { code: 'BANNED', msg: 'Banned: griefing' } } },
      { status: 503, json: { error: { code: 'GS_BUSY', msg: 'busy' } } },
      { status: 400, json: { error: { code: 'BAD_REQUEST', msg: 'username: must be 1 to 32 characters' } } },
    ];
    const listed = await register({ name: 'Named by the list', playlist: 'aitdm', curPlayers: 1 });
    await open();
    const id = (await t.list())[0]?.id as string;
    answers.push({
      status: 200,
      json: { ip: '203.0.113.9', port: 37015, sessionToken: 'tok', conv: 7, serverId: id } as never,
    });
    await page.route('**/v2/client/quickplay', (route) => {
      const next = answers.shift();
      return next === undefined ? route.abort() : route.fulfill({ status: next.status, json: next.json });
    });
    await quickPlay('Attrition');
    const d = dialog();
    const alert = d.getByRole('alert');
    await alert.waitFor();
    assert.equal(
      await alert.textContent(),
      'No server took you: the one server tried refused, went away or did not answer. Try again in a moment.',
    );
    const words = [
      'You are banned from this masterserver: griefing.',
      'Many players are joining this server right now. Try again in a moment.',
      'Check the form: username: must be 1 to 32 characters.',
    ];
    for (const expected of words) {
      await d.getByRole('button', { name: 'Join', exact: true }).click();
      await page.waitForFunction(
        (text) => document.querySelector('dialog [role="alert"]')?.textContent === text,
        expected,
        { timeout: 2000 },
      );
    }
    await d.getByRole('button', { name: 'Join', exact: true }).click();
    await d.locator('[data-field="address"]').waitFor();
    assert.equal(await d.locator('[data-field="server"]').textContent(), listed.info.name);
    assert.equal(await d.locator('[data-field="address"]').textContent(), '203.0.113.9:37015');
    assert.equal(posted.length, 5);
    assert.deepEqual(posted[0], { playlist: 'aitdm', username: 'Viper', clantag: '' });
  });
});
