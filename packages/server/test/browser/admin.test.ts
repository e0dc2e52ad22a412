import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { TestGameServer } from '@masterserver/testing';
import type { Page } from 'playwright-core';
import { TOKEN } from '../helpers.js';
import { type AdminMs, closeOf, startAdminMs } from '../moderation-helpers.js';
import { launchBrowser, type TestBrowser, watchProblems } from './browser-helpers.js';

describe('the admin view at /admin, in Chromium', () => {
  let t: AdminMs;
  let browser: TestBrowser | undefined;
  let page: Page;
  let nextPort = 46_000;
  const opened: TestGameServer[] = [];
  /** Console errors, page errors and CSP violations of the current test. */
  const problems: string[] = [];

  /** A scripted game server, listed as `name`. */
  async function register(name: string): Promise<TestGameServer> {
    const gs = await t.connect();
    opened.push(gs);
    assert.equal((await gs.register({ name, port: nextPort++ })).value.success, true);
    return gs;
  }

  /** Opens /admin and signs in with `token`. */
  async function signIn(token = t.adminToken): Promise<void> {
    await page.goto(`${t.url}/admin`);
    await page.getByLabel('Admin token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const serverRow = (name: string) =>
    page.locator('table.servers-admin tbody tr[data-id]', { has: page.getByText(name, { exact: true }) });
  const auditRows = () => page.locator('table.audit-admin tbody tr:not(.placeholder)');

  before(async () => {
    t = await startAdminMs();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });
  beforeEach(async () => {
    if (browser === undefined) throw new Error('no browser');
    page = await browser.context.newPage();
    watchProblems(page, problems);
  });
  afterEach(async () => {
    await page.close();
    for (const gs of opened.splice(0)) gs.socket.destroy();
    for (const ban of await t.moderationStore.bans())
      await t.moderationStore.removeBan(ban.id, { id: 't', name: 't' }, 0);
    await t.ms.bans.refresh();
    assert.deepEqual(problems.splice(0), [], 'console errors, page errors or CSP violations');
  });

  it('asks for an admin token: a wrong one is refused in words; the right one shows the servers with address and token', async () => {
    await register('Visible Server');
    await signIn('deadbeef.wrong-token');
    assert.match(String(await page.getByRole('alert').textContent()), /did not accept this admin token/);
    await page.getByLabel('Admin token').fill(t.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const row = serverRow('Visible Server');
    await row.waitFor();
    assert.match(String(await row.locator('[data-field="address"]').textContent()), /^127\.0\.0\.1:\d+$/);
    assert.equal(await row.locator('[data-field="token"]').textContent(), 'static-1');
    assert.equal(await page.title(), 'Admin · Server browser');
  });

  it('keeps the token for the tab only: in sessionStorage, never in localStorage, a cookie or the URL', async () => {
    await signIn();
    await page.getByRole('heading', { name: /^Servers/ }).waitFor();
    const stored = await page.evaluate(() => ({
      session: Object.values(sessionStorage),
      local: Object.values(localStorage),
      cookie: document.cookie,
      url: location.href,
    }));
    assert.deepEqual(stored.session, [t.adminToken]);
    assert.ok(!stored.local.some((value) => value.includes(t.adminToken.split('.')[1] as string)));
    assert.equal(stored.cookie, '');
    assert.equal(stored.url, `${t.url}/admin`);
    await page.reload();
    await page.getByRole('heading', { name: /^Servers/ }).waitFor();
    const other = await page.context().newPage();
    try {
      await other.goto(`${t.url}/admin`);
      await other.getByLabel('Admin token').waitFor();
      assert.deepEqual(await other.evaluate(() => Object.values(sessionStorage)), [], 'another tab asks again');
    } finally {
      await other.close();
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    assert.deepEqual(await page.evaluate(() => Object.values(sessionStorage)), []);
  });

  it('remove with a reason: the game server is closed with 4010 and the reason, its row goes, the audit log shows it', async () => {
    const gs = await register('Copycat Kodai');
    const keeper = await register('The Original');
    await signIn();
    await serverRow('Copycat Kodai').getByRole('button', { name: 'Remove Copycat Kodai' }).click();
    const dialog = page.locator('dialog.admin-dialog');
    await dialog.getByLabel(/^Reason/).fill('copy of The Original');
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    assert.deepEqual(await closeOf(gs), { code: 4010, reason: 'copy of The Original' });
    await dialog.waitFor({ state: 'detached' });
    await serverRow('Copycat Kodai').waitFor({ state: 'detached' });
    assert.equal(await serverRow('The Original').count(), 1);
    const first = auditRows().first();
    await page.waitForFunction(
      () => document.querySelector('table.audit-admin tbody tr [data-field="action"]')?.textContent === 'server.remove',
    );
    assert.equal(await first.locator('[data-field="reason"]').textContent(), 'copy of The Original');
    assert.match(
      String(await first.locator('[data-field="actor"]').textContent()),
      new RegExp(`^ops \\(${t.adminId}\\)`),
    );
    assert.ok(!keeper.socket.isEnded);
  });

  it('ban and lift: the listed server is closed with 4011; the ban is listed until lifted; a bad value is said in words', async () => {
    const gs = await register('[EU] Offensive Name');
    await signIn();
    const form = page.getByRole('form', { name: 'Add a ban' });
    await form.getByLabel('Address or CIDR range').fill('999.1.1.1');
    await form.getByLabel('Reason').fill('typo');
    await form.getByRole('button', { name: 'Ban' }).click();
    assert.match(String(await page.getByRole('alert').textContent()), /^Check the form: value:/);

    await form.getByLabel('Kind').selectOption('name');
    await form.getByLabel('Server name contains').fill('offensive');
    await form.getByLabel('Reason').fill('offensive name');
    await form.getByLabel(/^For/).fill('12h');
    await form.getByRole('button', { name: 'Ban' }).click();
    assert.deepEqual(await closeOf(gs), { code: 4011, reason: 'offensive name' });
    const banRow = page.locator('table.bans-admin tbody tr[data-id]');
    await banRow.waitFor();
    assert.equal(await banRow.locator('[data-field="value"]').textContent(), 'offensive');
    assert.equal(await banRow.locator('[data-field="reason"]').textContent(), 'offensive name');
    assert.notEqual(await banRow.locator('[data-field="expires"]').textContent(), 'for ever');
    const refused = await TestGameServer.connect(t.wsUrl, TOKEN);
    opened.push(refused);
    assert.deepEqual((await refused.register({ name: 'offensive again' })).value.error, {
      type: 6,
      msg: 'Banned: offensive name',
    });

    await banRow.getByRole('button', { name: 'Lift the ban of offensive' }).click();
    await banRow.waitFor({ state: 'detached' });
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('table.audit-admin tbody tr [data-field="action"]')]
          .slice(0, 2)
          .map((e) => e.textContent)
          .join() === 'ban.remove,ban.add',
    );
    const again = await register('offensive again');
    assert.ok(!again.socket.isEnded);
  });

  it('a token revoked meanwhile signs the view out, saying why', async () => {
    const { record, token } = await t.tokenStore.create('short-lived', 'admin');
    await t.ms.tokens.refresh();
    await signIn(token);
    await page.getByRole('heading', { name: /^Servers/ }).waitFor();
    await t.tokenStore.revoke(record.id);
    await page.getByText(/no longer accepts this admin token/).waitFor({ timeout: 5000 });
    await page.getByLabel('Admin token').waitFor();
    assert.deepEqual(await page.evaluate(() => Object.values(sessionStorage)), []);
  });
});
