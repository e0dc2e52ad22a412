/**
 * The bans in force, a form to add one (an address or CIDR range, a name
 * substring or a player, with a reason and an optional duration) and their
 * lifting.
 *
 * @module
 */

import { useId, useState } from 'preact/hooks';
import { AdminSection, AdminTable, Alert } from './parts.js';
import type { Ban, BanKind, NewBan } from './types.js';
import { When } from './when.js';

/** Props of {@link BansPanel}. */
export interface BansPanelProps {
  /** `undefined` until loaded. */
  bans: readonly Ban[] | undefined;
  /** Adds a ban; resolves the error in words, or `undefined`. */
  onAdd(ban: NewBan): Promise<string | undefined>;
  /** Lifts a ban; resolves the error in words, or `undefined`. */
  onLift(id: string): Promise<string | undefined>;
}

/** What the value field asks for, by kind. */
const VALUE_LABEL: Record<BanKind, string> = {
  ip: 'Address or CIDR range',
  name: 'Server name contains',
  player: 'Username or JWT sub',
};

/** The bans section. */
export function BansPanel({ bans, onAdd, onLift }: BansPanelProps) {
  const id = useId();
  const [kind, setKind] = useState<BanKind>('ip');
  const [value, setValue] = useState('');
  const [reason, setReason] = useState('');
  const [duration, setDuration] = useState('');
  const [force, setForce] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [pending, setPending] = useState(false);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setPending(true);
    const ban: NewBan = { kind, value, reason };
    if (duration.trim() !== '') ban.for = duration.trim();
    if (force) ban.force = true;
    const failed = await onAdd(ban);
    setPending(false);
    setError(failed);
    if (failed === undefined) {
      setValue('');
      setReason('');
      setDuration('');
      setForce(false);
    }
  };
  const lift = async (ban: Ban): Promise<void> => setError(await onLift(ban.id));

  return (
    <AdminSection id="bans-title" title="Bans" count={bans?.length}>
      <form class="ban-form" onSubmit={submit} aria-label="Add a ban">
        <div class="field">
          <label for={`${id}-kind`}>Kind</label>
          <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.currentTarget.value as BanKind)}>
            <option value="ip">Address (IP or CIDR)</option>
            <option value="name">Server name</option>
            <option value="player">Player</option>
          </select>
        </div>
        <div class="field grow">
          <label for={`${id}-value`}>{VALUE_LABEL[kind]}</label>
          <input id={`${id}-value`} autocomplete="off" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </div>
        <div class="field grow">
          <label for={`${id}-reason`}>Reason</label>
          <input
            id={`${id}-reason`}
            required
            maxLength={256}
            autocomplete="off"
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for={`${id}-for`}>
            For <span class="hint">(e.g. 12h, 7d; empty: for ever)</span>
          </label>
          <input
            id={`${id}-for`}
            autocomplete="off"
            value={duration}
            onInput={(e) => setDuration(e.currentTarget.value)}
          />
        </div>
        <label class="check">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} />
          Even if it matches everything
        </label>
        <button type="submit" class="primary" disabled={pending}>
          Ban
        </button>
      </form>
      <Alert message={error} />
      <AdminTable
        name="bans-admin"
        columns={['Kind', 'Value', 'Reason', 'Since', 'Until']}
        actions
        items={bans}
        empty="No ban is in force."
        row={(ban) => (
          <tr key={ban.id} data-id={ban.id}>
            <td data-field="kind">{ban.kind}</td>
            <td data-field="value">
              <code>{ban.value === '' ? '(everything)' : ban.value}</code>
            </td>
            <td data-field="reason">{ban.reason}</td>
            <td>
              <When iso={ban.createdAt} />
            </td>
            <td data-field="expires">
              <When iso={ban.expiresAt} never="for ever" />
            </td>
            <td class="row-actions">
              <button type="button" aria-label={`Lift the ban of ${ban.value}`} onClick={() => lift(ban)}>
                Lift
              </button>
            </td>
          </tr>
        )}
      />
    </AdminSection>
  );
}
