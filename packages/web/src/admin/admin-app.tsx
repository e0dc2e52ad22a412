/**
 * The admin view at `/admin`: asks for an admin token (kept for this tab
 * only), then shows the servers with their address and token, the bans and
 * the audit log, refreshed every few seconds, with removal, banning and
 * lifting.
 *
 * @module
 */

import { useCallback, useEffect, useId, useState } from 'preact/hooks';
import { type AdminResult, addBan, fetchAudit, fetchBans, fetchServers, liftBan, removeServer } from './admin-api.js';
import { AuditPanel } from './audit-panel.js';
import { BansPanel } from './bans-panel.js';
import { Alert } from './parts.js';
import { ServersPanel } from './servers-panel.js';
import { clearToken, loadToken, saveToken } from './session.js';
import type { AdminServer, AuditEntry, Ban } from './types.js';
import './admin.css';

/** How often the view reloads what it shows, in ms. */
const REFRESH_MS = 3000;

/** The admin view. */
export function AdminApp() {
  const [token, setToken] = useState<string | undefined>(() => loadToken());
  const [notice, setNotice] = useState<string | undefined>(undefined);
  useEffect(() => {
    document.title = 'Admin · Server browser';
  }, []);
  const signOut = useCallback((message?: string) => {
    clearToken();
    setToken(undefined);
    setNotice(message);
  }, []);
  const signIn = useCallback((accepted: string) => {
    saveToken(accepted);
    setNotice(undefined);
    setToken(accepted);
  }, []);
  const refused = useCallback(
    () => signOut('The masterserver no longer accepts this admin token (it may have been revoked). Sign in again.'),
    [signOut],
  );
  return (
    <>
      <header class="top">
        <h1>Masterserver admin</h1>
        <nav class="admin-nav">
          <a href="/">Server browser</a>
          {token === undefined ? null : (
            <button type="button" onClick={() => signOut()}>
              Sign out
            </button>
          )}
        </nav>
      </header>
      <main class="admin">
        {token === undefined ? (
          <SignIn notice={notice} onSignedIn={signIn} />
        ) : (
          <Dashboard token={token} onRefused={refused} />
        )}
      </main>
    </>
  );
}

interface SignInProps {
  notice: string | undefined;
  onSignedIn(token: string): void;
}

/** Asks for the admin token and checks it with the masterserver before keeping it. */
function SignIn({ notice, onSignedIn }: SignInProps) {
  const id = useId();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [pending, setPending] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setPending(true);
    const tried = token.trim();
    const result = await fetchServers(tried);
    setPending(false);
    if (result.ok) onSignedIn(tried);
    else setError(result.message);
  };
  return (
    <form class="sign-in" onSubmit={submit}>
      <h2>Sign in</h2>
      <p class="dialog-sub">
        With an admin token (<code>masterserver token create --admin</code>). It is kept for this tab only.
      </p>
      {notice === undefined ? null : <p class="notice">{notice}</p>}
      <div class="field">
        <label for={`${id}-token`}>Admin token</label>
        <input
          id={`${id}-token`}
          type="password"
          required
          autocomplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
        />
      </div>
      <Alert message={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={pending}>
          Sign in
        </button>
      </div>
    </form>
  );
}

interface DashboardProps {
  token: string;
  /** The token was refused (revoked meanwhile). */
  onRefused(): void;
}

/** The servers, the bans and the audit log, kept current. */
function Dashboard({ token, onRefused }: DashboardProps) {
  const [servers, setServers] = useState<AdminServer[] | undefined>(undefined);
  const [bans, setBans] = useState<Ban[] | undefined>(undefined);
  const [audit, setAudit] = useState<AuditEntry[] | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  const refresh = useCallback(async (): Promise<void> => {
    const results = await Promise.all([fetchServers(token), fetchBans(token), fetchAudit(token)]);
    if (results.some((r) => !r.ok && r.status === 401)) {
      onRefused();
      return;
    }
    const [s, b, a] = results;
    if (s.ok) setServers(s.value);
    if (b.ok) setBans(b.value);
    if (a.ok) setAudit(a.value);
    const failed = results.find((r) => !r.ok);
    setError(failed === undefined || failed.ok ? undefined : failed.message);
  }, [token, onRefused]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  /** Runs an action, then reloads; resolves its error in words, or `undefined`. */
  const act = async (action: Promise<AdminResult<unknown>>): Promise<string | undefined> => {
    const result = await action;
    if (!result.ok && result.status === 401) {
      onRefused();
      return result.message;
    }
    await refresh();
    return result.ok ? undefined : result.message;
  };

  return (
    <>
      <Alert message={error} />
      <ServersPanel servers={servers} onRemove={(id, reason) => act(removeServer(token, id, reason))} />
      <BansPanel bans={bans} onAdd={(ban) => act(addBan(token, ban))} onLift={(id) => act(liftBan(token, id))} />
      <AuditPanel entries={audit} />
    </>
  );
}
