/**
 * The audit log: who did what, when, to what and why, newest first.
 *
 * @module
 */

import { AdminSection, AdminTable } from './parts.js';
import type { AuditEntry } from './types.js';
import { When } from './when.js';

/** Props of {@link AuditPanel}. */
export interface AuditPanelProps {
  /** `undefined` until loaded. */
  entries: readonly AuditEntry[] | undefined;
}

/** The audit log section. */
export function AuditPanel({ entries }: AuditPanelProps) {
  return (
    <AdminSection id="audit-title" title="Audit log">
      <AdminTable
        name="audit-admin"
        columns={['Time', 'Who', 'Action', 'Target', 'Reason']}
        items={entries}
        empty="Nothing yet."
        row={(entry, i) => (
          <tr key={`${entry.time}-${entry.target}-${i}`}>
            <td>
              <When iso={entry.time} />
            </td>
            <td data-field="actor">
              {entry.actor.name} <span class="hint">({entry.actor.id})</span>
            </td>
            <td data-field="action">{entry.action}</td>
            <td data-field="target">
              <code>{entry.target}</code>
            </td>
            <td data-field="reason">{entry.reason ?? ''}</td>
          </tr>
        )}
      />
    </AdminSection>
  );
}
