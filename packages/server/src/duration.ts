/**
 * Durations as people write them: a number and a unit (`500ms`, `10s`, `2m`,
 * `12h`, `7d`). The flags of `serve` take `ms`, `s` and `m`; a ban's duration
 * also takes `h` and `d`.
 *
 * @module
 */

/** Milliseconds of each unit. */
export const DURATION_UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A unit of {@link DURATION_UNITS}. */
export type DurationUnit = keyof typeof DURATION_UNITS;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** `text` (a number and one of `units`) in whole milliseconds, or `undefined` when it is not of that form. */
export function durationMs(text: string, units: readonly DurationUnit[]): number | undefined {
  const match = DURATION.exec(text.trim());
  const unit = match?.[2] as DurationUnit | undefined;
  if (match === null || unit === undefined || !units.includes(unit)) return undefined;
  return Math.round(Number(match[1]) * DURATION_UNITS[unit]);
}
