import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach } from 'node:test';
import {
  acceptEveryone,
  GameServerClient,
  type JoinEvent,
  type JoinHandler,
  type ServerInfoInit,
} from '@masterserver/sdk';
import type { Page, Request, Response } from 'playwright-core';
import type { MasterServerOptions } from '../../src/index.js';
import { startMs, type TestMs, TOKEN } from '../helpers.js';
import { launchBrowser, type TestBrowser, watchProblems } from './browser-helpers.js';

/** A game server on the SDK, listed, with the joins it answered. */
export interface Registered {
  gs: GameServerClient;
  info: ServerInfoInit;
  /** The joins it answered, oldest first. */
  joins: JoinEvent[];
  /** How it answers the next joins: accepts everyone unless a test says otherwise. */
  onJoin: JoinHandler;
}

/** What a test of the server browser page works with: a masterserver, Chromium's page, and helpers. */
export interface PageFixture {
  readonly t: TestMs;
  readonly page: Page;
  /** The list's requests of the current test (`GET /v2/client/servers?…` and its stream), as URLs. */
  readonly listRequests: URL[];
  /** The answers to the current test's `GET /v2/client/servers?…`: URL and status. */
  readonly listAnswers: Array<{ url: URL; status: number }>;
  /** Starts an SDK game server with `info` (over defaults) and waits until it is listed. */
  register(info: Partial<ServerInfoInit>): Promise<Registered>;
  /** Opens the page at `path` and waits until the list is `status` (`live` by default). */
  open(path?: string, status?: string): Promise<void>;
  /** The names of the rows shown, in order. */
  rowNames(): Promise<string[]>;
  /** Waits until the rows' names are `names`, in order. */
  waitForRows(names: string[], timeout?: number): Promise<void>;
  /** Waits until the page's query string is `search`. */
  waitForSearch(search: string, timeout?: number): Promise<void>;
  /** The row of the server named `name`. */
  row(name: string): ReturnType<Page['locator']>;
  /** The join dialog. */
  dialog(): ReturnType<Page['locator']>;
}

/**
 * Sets up, in the enclosing `describe`, a masterserver with `options` (and
 * `prepare`d, when given, before the browser starts), one Chromium for the
 * suite and a new page for each test (console errors, page errors and CSP
 * violations fail the test). Game servers get ports from `firstPort` on.
 */
export function pageFixture(
  options: MasterServerOptions,
  firstPort: number,
  prepare?: (t: TestMs) => Promise<void>,
): PageFixture {
  let t: TestMs | undefined;
  let browser: TestBrowser | undefined;
  let page: Page | undefined;
  let nextPort = firstPort;
  const opened: GameServerClient[] = [];
  const problems: string[] = [];
  const listRequests: URL[] = [];
  const listAnswers: Array<{ url: URL; status: number }> = [];

  // Each hook and wait has its own bound, inside the runner's bound for the whole file, so that whatever hangs is
  // reported as itself.
  before(
    async () => {
      t = await startMs(options);
      await prepare?.(t);
      browser = await launchBrowser();
    },
    { timeout: 60_000 },
  );
  after(
    async () => {
      await browser?.close();
      await t?.close();
    },
    { timeout: 30_000 },
  );
  beforeEach(async () => {
    if (browser === undefined) throw new Error('no browser');
    page = await browser.context.newPage();
    page.setDefaultTimeout(15_000);
    await page.setViewportSize({ width: 1280, height: 800 });
    watchProblems(page, problems);
    page.on('request', (request: Request) => {
      const url = new URL(request.url());
      if (url.pathname === '/v2/client/servers' || url.pathname === '/v2/client/servers/events') listRequests.push(url);
    });
    page.on('response', (response: Response) => {
      const url = new URL(response.url());
      if (url.pathname === '/v2/client/servers') listAnswers.push({ url, status: response.status() });
    });
  });
  afterEach(async () => {
    await page?.close();
    listRequests.length = 0;
    listAnswers.length = 0;
    await Promise.all(opened.splice(0).map((gs) => gs.close()));
    assert.deepEqual(problems.splice(0), [], 'console errors, page errors or CSP violations');
  });

  const ms = (): TestMs => {
    if (t === undefined) throw new Error('no masterserver');
    return t;
  };
  const current = (): Page => {
    if (page === undefined) throw new Error('no page');
    return page;
  };
  const rowNames = () => current().locator('tbody tr[data-id] .c-name .name').allTextContents();

  return {
    get t() {
      return ms();
    },
    get page() {
      return current();
    },
    listRequests,
    listAnswers,
    async register(info) {
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
        url: ms().wsUrl,
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
    },
    async open(path = '/', status = 'live') {
      await current().goto(`${ms().url}${path}`);
      await current().locator(`.live[data-status="${status}"]`).waitFor();
    },
    rowNames,
    async waitForRows(names, timeout = 2000) {
      try {
        await current().waitForFunction(
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
    },
    async waitForSearch(search, timeout = 2000) {
      try {
        await current().waitForFunction((expected) => location.search === expected, search, { timeout, polling: 20 });
      } catch {
        assert.equal(await current().evaluate(() => location.search), search, `query string within ${timeout} ms`);
      }
    },
    row: (name) => current().locator('tbody tr[data-id]', { has: current().getByText(name, { exact: true }) }),
    dialog: () => current().locator('dialog.join-dialog'),
  };
}
