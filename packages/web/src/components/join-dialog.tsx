/**
 * The join dialog: a modal `<dialog>` (focus kept inside, Escape closes it)
 * that asks for what the join needs (the server's password, the player's
 * names or access token), calls `POST /v2/client/join` (or, for quick play,
 * `POST /v2/client/quickplay`) and shows where to connect, and for quick play
 * which server took the player, or what went wrong in words.
 *
 * @module
 */

import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { fetchServer, type JoinTicket, join, type QuickPlayResult, quickPlay } from '../api.js';
import { gameStateLabel } from '../format.js';
import { displayName } from '../names.js';
import type { DisplayNames, PlayerAuth, Server } from '../types.js';

/** What the dialog joins: one server, or whichever server quick play picks. */
export type JoinTarget =
  | {
      readonly kind: 'server';
      /** The server, as last seen. */
      readonly server: Server;
      /** True once the server left the list. */
      readonly gone: boolean;
    }
  | {
      readonly kind: 'quickplay';
      /** The playlist asked for; `''` for any. */
      readonly playlist: string;
    };

/** Props of {@link JoinDialog}. */
export interface JoinDialogProps {
  target: JoinTarget;
  playerAuth: PlayerAuth;
  names: DisplayNames;
  /** A listed server the page holds, by id (to name the one quick play joined without asking). */
  lookup(id: string): Server | undefined;
  /** Called once the dialog closed (by Escape, Cancel, Done or a click outside). */
  onClose(): void;
}

/** Names remembered between visits (never the password or the token). */
const STORED = { username: 'ms-browser.username', clantag: 'ms-browser.clantag' } as const;

function stored(key: keyof typeof STORED): string {
  try {
    return localStorage.getItem(STORED[key]) ?? '';
  } catch {
    return '';
  }
}

function store(key: keyof typeof STORED, value: string): void {
  try {
    localStorage.setItem(STORED[key], value);
  } catch {
    // storage may be disabled: nothing to remember then
  }
}

/** The server quick play joined: its id, and what the list says of it once known. */
interface Joined {
  readonly id: string;
  readonly server: Server | undefined;
}

type Phase =
  | { kind: 'form'; error?: string }
  | { kind: 'pending' }
  | { kind: 'joined'; ticket: JoinTicket; joined?: Joined };

/** `map · playlist · players · state` of a server, with the names people read. */
function serverLine(server: Server, names: DisplayNames): string {
  const map = displayName(names.maps, server.map);
  const playlist = displayName(names.playlists, server.playlist);
  return `${map} · ${playlist} · ${server.curPlayers}/${server.maxPlayers} players · ${gameStateLabel(server.gameState)}`;
}

/** The join dialog, open while it is mounted. */
export function JoinDialog({ target, playerAuth, names, lookup, onClose }: JoinDialogProps) {
  const server = target.kind === 'server' ? target.server : undefined;
  const dialog = useRef<HTMLDialogElement>(null);
  const passwordInput = useRef<HTMLInputElement>(null);
  const doneButton = useRef<HTMLButtonElement>(null);
  const abort = useRef<AbortController | undefined>(undefined);
  const id = useId();
  const [phase, setPhase] = useState<Phase>({ kind: 'form' });
  const [password, setPassword] = useState('');
  const [username, setUsername] = useState(() => stored('username'));
  const [clantag, setClantag] = useState(() => stored('clantag'));
  const [token, setToken] = useState('');

  useEffect(() => {
    const element = dialog.current;
    if (element !== null && !element.open) element.showModal();
    // The first empty field gets the focus (showModal focused the first field, maybe one already filled).
    const fields = element?.querySelectorAll<HTMLInputElement>('input[required]') ?? [];
    const empty = [...fields].find((field) => field.value === '');
    (empty ?? element?.querySelector<HTMLElement>('input, button[type=submit]'))?.focus();
    return () => abort.current?.abort();
  }, []);

  useEffect(() => {
    if (phase.kind === 'joined') doneButton.current?.focus();
  }, [phase.kind]);

  const close = (): void => dialog.current?.close();

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (phase.kind === 'pending') return;
    setPhase({ kind: 'pending' });
    if (playerAuth === 'none') {
      store('username', username);
      store('clantag', clantag);
    }
    const controller = new AbortController();
    abort.current = controller;
    const player = {
      username: playerAuth === 'none' ? username : undefined,
      clantag: playerAuth === 'none' ? clantag : undefined,
      token: playerAuth === 'bearer' ? token : undefined,
    };
    const result: QuickPlayResult =
      server === undefined
        ? await quickPlay(
            {
              ...player,
              playlist: target.kind === 'quickplay' && target.playlist !== '' ? target.playlist : undefined,
            },
            controller.signal,
          )
        : await join(
            { ...player, serverId: server.id, password: server.hasPassword ? password : undefined },
            controller.signal,
          ).then((joined) => (joined.ok ? { ...joined, serverId: server.id } : joined));
    if (controller.signal.aborted) return;
    if (result.ok) {
      const { ticket, serverId } = result;
      if (server !== undefined) {
        setPhase({ kind: 'joined', ticket });
        return;
      }
      const held = lookup(serverId);
      setPhase({ kind: 'joined', ticket, joined: { id: serverId, server: held } });
      if (held === undefined) {
        const fetched = await fetchServer(serverId);
        if (!controller.signal.aborted && fetched !== undefined)
          setPhase({ kind: 'joined', ticket, joined: { id: serverId, server: fetched } });
      }
      return;
    }
    setPhase({ kind: 'form', error: result.message });
    if (result.code === 'WRONG_PASSWORD') {
      passwordInput.current?.focus();
      passwordInput.current?.select();
    }
  };

  const pending = phase.kind === 'pending';
  const playlist =
    target.kind === 'quickplay' && target.playlist !== '' ? displayName(names.playlists, target.playlist) : undefined;
  const title = server === undefined ? 'Quick play' : `Join ${server.name}`;
  const sub =
    server === undefined
      ? `${playlist ?? 'Any playlist'}: the masterserver puts you on the fullest server with a free slot.`
      : serverLine(server, names);
  const joined = phase.kind === 'joined' ? phase.joined : undefined;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the click closes on the backdrop; Escape is the keyboard's way, built into <dialog>
    <dialog
      ref={dialog}
      class="join-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-sub`}
      onClose={onClose}
      onClick={(event) => {
        if (event.target === dialog.current) close();
      }}
    >
      <div class="dialog-body">
        <h2 id={`${id}-title`}>{title}</h2>
        <p id={`${id}-sub`} class="dialog-sub">
          {sub}
        </p>
        {target.kind === 'server' && target.gone ? (
          <p class="notice">This server is no longer listed; the join will most likely fail.</p>
        ) : null}
        {phase.kind === 'joined' ? (
          <div class="ticket" role="status">
            <p>
              {joined === undefined ? (
                'The game server accepted you.'
              ) : (
                <>
                  You are in <strong data-field="server">{joined.server?.name ?? joined.id}</strong>
                  {joined.server === undefined ? '' : ` (${serverLine(joined.server, names)})`}.
                </>
              )}{' '}
              Connect with:
            </p>
            <dl>
              <div>
                <dt>Address</dt>
                <dd>
                  <code data-field="address">
                    {phase.ticket.ip}:{phase.ticket.port}
                  </code>
                </dd>
              </div>
              <div>
                <dt>Session token</dt>
                <dd>
                  <code data-field="sessionToken">{phase.ticket.sessionToken}</code>
                </dd>
              </div>
              <div>
                <dt>Conv</dt>
                <dd>
                  <code data-field="conv">{phase.ticket.conv}</code>
                </dd>
              </div>
            </dl>
            <div class="actions">
              <button type="button" class="primary" ref={doneButton} onClick={close}>
                Done
              </button>
            </div>
          </div>
        ) : (
          <form onSubmit={submit} aria-busy={pending}>
            {server?.hasPassword ? (
              <div class="field">
                <label for={`${id}-password`}>Server password</label>
                <input
                  id={`${id}-password`}
                  ref={passwordInput}
                  type="password"
                  required
                  autocomplete="off"
                  value={password}
                  onInput={(e) => setPassword(e.currentTarget.value)}
                />
              </div>
            ) : null}
            {playerAuth === 'none' ? (
              <>
                <div class="field">
                  <label for={`${id}-username`}>Username</label>
                  <input
                    id={`${id}-username`}
                    required
                    maxLength={32}
                    autocomplete="nickname"
                    value={username}
                    onInput={(e) => setUsername(e.currentTarget.value)}
                  />
                </div>
                <div class="field">
                  <label for={`${id}-clantag`}>
                    Clan tag <span class="hint">(optional)</span>
                  </label>
                  <input
                    id={`${id}-clantag`}
                    maxLength={32}
                    autocomplete="off"
                    value={clantag}
                    onInput={(e) => setClantag(e.currentTarget.value)}
                  />
                </div>
              </>
            ) : (
              <div class="field">
                <label for={`${id}-token`}>Access token</label>
                <input
                  id={`${id}-token`}
                  type="password"
                  required
                  autocomplete="off"
                  value={token}
                  onInput={(e) => setToken(e.currentTarget.value)}
                />
              </div>
            )}
            {phase.kind === 'form' && phase.error !== undefined ? (
              <p class="error" role="alert">
                {phase.error}
              </p>
            ) : null}
            <div class="actions">
              <button type="button" onClick={close}>
                Cancel
              </button>
              <button type="submit" class="primary" disabled={pending}>
                {pending ? 'Joining…' : 'Join'}
              </button>
            </div>
          </form>
        )}
      </div>
    </dialog>
  );
}
