import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** The check `npm test` starts with (scripts/test-deps.js), which knows where Chromium is. */
const testDeps = (await import(new URL('../../../../../scripts/test-deps.js', import.meta.url).href)) as {
  chromiumPath(env: NodeJS.ProcessEnv): string | undefined;
};

/** The Chromium found as `npm test`'s check finds it: `CHROMIUM`, else `chromium` on PATH (Debian's package). */
export const CHROMIUM = testDeps.chromiumPath(process.env) ?? process.env.CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium with a fresh profile; `close()` also removes the profile. */
export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts Debian's Chromium through playwright-core. Fails, never skips, when
 * it is not installed: the browser tests are part of the suite.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}, and the server browser's tests need it: ` +
        'run "node scripts/test-deps.js", which installs it or says how (playwright-core drives it, no browser is downloaded)',
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'ms-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    timeout: 30_000,
  });
  return {
    context,
    async close() {
      // Closing waits for Chromium to exit, without a bound of its own: a Chromium that does not exit within
      // 10 s is killed, so that the suite goes on and says so.
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        // A close that fails (Chromium killed meanwhile) counts as closed: nothing is left to wait for.
        context.close().then(
          () => true,
          () => true,
        ),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), 10_000);
        }),
      ]);
      clearTimeout(timer);
      if (!closed) {
        const killed = killChromium(profile);
        console.error(`Chromium did not exit within 10 s of closing: killed ${killed} of its processes`);
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Kills (SIGKILL) the processes of the Chromium started with the profile `profile`, found in /proc; how many. */
function killChromium(profile: string): number {
  let killed = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return 0; // no /proc (not Linux)
  }
  for (const pid of pids) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(profile)) continue;
      process.kill(Number(pid), 'SIGKILL');
      killed++;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return killed;
}

/**
 * Collects what goes wrong on `page` into `problems`: console errors (but Chrome's own line for every
 * non-2xx answer, which tests of refusals expect), page errors and CSP violations.
 */
export function watchProblems(page: Page, problems: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(message.text());
    }
  });
  page.on('pageerror', (error) => problems.push(String(error)));
}
