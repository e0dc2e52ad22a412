/**
 * A time of the admin API as the operator reads it: local date and time, the
 * exact UTC time in the element's `datetime`.
 *
 * @module
 */

/** Props of {@link When}. */
export interface WhenProps {
  /** ISO 8601, or `null`. */
  iso: string | null;
  /** Shown for `null`. */
  never?: string;
}

const format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A `<time>` element, or `never` for `null`. */
export function When({ iso, never = '—' }: WhenProps) {
  if (iso === null) return <>{never}</>;
  return <time dateTime={iso}>{format.format(new Date(iso))}</time>;
}
