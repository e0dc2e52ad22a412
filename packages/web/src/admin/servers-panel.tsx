/**
 * The listed servers, with what only operators see (address, token, when it
 * connected), and their removal with a reason.
 *
 * @module
 */

import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { AdminSection, AdminTable, Alert } from './parts.js';
import type { AdminServer } from './types.js';
import { When } from './when.js';

/** Props of {@link ServersPanel}. */
export interface ServersPanelProps {
  /** `undefined` until loaded. */
  servers: readonly AdminServer[] | undefined;
  /** Removes a server; resolves the error in words, or `undefined`. */
  onRemove(id: string, reason: string): Promise<string | undefined>;
}

const address = (s: AdminServer): string => (s.ip.includes(':') ? `[${s.ip}]:${s.port}` : `${s.ip}:${s.port}`);

/** The servers section. */
export function ServersPanel({ servers, onRemove }: ServersPanelProps) {
  const [removing, setRemoving] = useState<AdminServer | undefined>(undefined);
  return (
    <AdminSection id="servers-title" title="Servers" count={servers?.length}>
      <AdminTable
        name="servers-admin"
        columns={['Name', 'Address', 'Token', 'Players', 'Connected']}
        actions
        items={servers}
        empty="No server is listed."
        row={(s) => (
          <tr key={s.id} data-id={s.id}>
            <td data-field="name">{s.name}</td>
            <td data-field="address">
              <code>{address(s)}</code>
            </td>
            <td data-field="token">
              <code>{s.tokenId}</code>
            </td>
            <td>
              {s.curPlayers}/{s.maxPlayers}
            </td>
            <td>
              <When iso={s.connectedAt} />
            </td>
            <td class="row-actions">
              <button type="button" aria-label={`Remove ${s.name}`} onClick={() => setRemoving(s)}>
                Remove
              </button>
            </td>
          </tr>
        )}
      />
      {removing === undefined ? null : (
        <RemoveDialog key={removing.id} server={removing} onRemove={onRemove} onClose={() => setRemoving(undefined)} />
      )}
    </AdminSection>
  );
}

interface RemoveDialogProps {
  server: AdminServer;
  onRemove(id: string, reason: string): Promise<string | undefined>;
  onClose(): void;
}

/** Asks for the reason of a removal (the game server is told it in the close frame). */
function RemoveDialog({ server, onRemove, onClose }: RemoveDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [pending, setPending] = useState(false);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setPending(true);
    const failed = await onRemove(server.id, reason.trim());
    setPending(false);
    if (failed === undefined) dialog.current?.close();
    else setError(failed);
  };
  return (
    <dialog ref={dialog} class="admin-dialog" aria-labelledby={`${id}-title`} onClose={onClose}>
      <form class="dialog-body" onSubmit={submit}>
        <h2 id={`${id}-title`}>Remove {server.name}</h2>
        <p class="dialog-sub">
          It is delisted and its connection closed with 4010; it may register again. To keep it off, ban it.
        </p>
        <div class="field">
          <label for={`${id}-reason`}>Reason (sent to the game server, kept in the audit log)</label>
          <input
            id={`${id}-reason`}
            maxLength={256}
            autocomplete="off"
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </div>
        <Alert message={error} />
        <div class="actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={pending}>
            Remove
          </button>
        </div>
      </form>
    </dialog>
  );
}
