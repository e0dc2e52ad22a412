/**
 * The pieces every part of the admin view is made of: a titled section, a
 * table with a line for "nothing here", and an error said in words.
 *
 * @module
 */

import type { ComponentChildren } from 'preact';

/** Props of {@link AdminSection}. */
export interface AdminSectionProps {
  /** The heading's id (the section is labelled by it). */
  id: string;
  title: string;
  /** Shown after the title once known. */
  count?: number | undefined;
  children: ComponentChildren;
}

/** A section with its heading. */
export function AdminSection({ id, title, count, children }: AdminSectionProps) {
  return (
    <section class="admin-section" aria-labelledby={id}>
      <h2 id={id}>
        {title}
        {count === undefined ? '' : ` (${count})`}
      </h2>
      {children}
    </section>
  );
}

/** Props of {@link AdminTable}. */
export interface AdminTableProps<T> {
  /** The table's class, e.g. `servers-admin`. */
  name: string;
  /** Column headings; with `actions`, one more column of buttons without a visible heading. */
  columns: readonly string[];
  actions?: boolean;
  /** `undefined` until loaded. */
  items: readonly T[] | undefined;
  /** What an empty table says. */
  empty: string;
  /** One `<tr>` per item. */
  row(item: T, index: number): ComponentChildren;
}

/** A table of `items`. */
export function AdminTable<T>({ name, columns, actions = false, items, empty, row }: AdminTableProps<T>) {
  const width = columns.length + (actions ? 1 : 0);
  return (
    <div class="table-wrap">
      <table class={`admin-table ${name}`}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
            {actions ? (
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {items?.length === 0 ? (
            <tr class="placeholder">
              <td colSpan={width}>{empty}</td>
            </tr>
          ) : null}
          {items?.map(row)}
        </tbody>
      </table>
    </div>
  );
}

/** An error in words, announced; nothing when there is none. */
export function Alert({ message }: { message: string | undefined }) {
  return message === undefined ? null : (
    <p class="error" role="alert">
      {message}
    </p>
  );
}
