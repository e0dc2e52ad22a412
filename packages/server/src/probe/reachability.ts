/**
 * What the gateway asks of the reachability probe (docs/protocol.md#reachability),
 * whatever carries it: a watch on each listed address, with its verdict and a
 * call when the verdict changes.
 *
 * @module
 */

/** `off` probes nothing; `mark` lists at once and shows the verdict; `require` lists only reachable servers. */
export type ReachabilityMode = 'off' | 'mark' | 'require';

/** The reachability modes, in the order the docs give them. */
export const REACHABILITY_MODES: readonly ReachabilityMode[] = ['off', 'mark', 'require'];

/** A listing's interest in one address. */
export interface AddressWatch {
  /** The verdict now: `true` (answered), `false` (three probes missed), `null` while unknown. */
  readonly verdict: boolean | null;
  /**
   * Resolves with the verdict of the probe round that decides this watch: the round it started or joined,
   * or at once when the address was found unreachable less than the retry delay ago (`false`) or the
   * verdict is already known and being kept fresh (`true`). With probing off it resolves `true`.
   */
  settled(): Promise<boolean>;
  /** The listing no longer needs the address: probing it stops once no watch needs it. */
  release(): void;
}

/** Who hears of a watched address's new verdicts. */
export interface VerdictListener {
  /** The verdict on the address `watch` watches changed to `reachable`. */
  reachabilityChanged(watch: AddressWatch, reachable: boolean): void;
}

/** Reachability as the gateway sees it. */
export interface Reachability {
  readonly mode: ReachabilityMode;
  /** Watches `ip`:`port` for a listing; `listener` hears of every new verdict until {@link AddressWatch.release}. */
  watch(ip: string, port: number, listener: VerdictListener): AddressWatch;
  /** Stops probing and releases the socket. */
  close(): Promise<void>;
}

const UNKNOWN: AddressWatch = {
  verdict: null,
  settled: () => Promise.resolve(true),
  release: () => {},
};

/** Reachability with probing off: every verdict unknown, nothing sent. */
export const NO_PROBE: Reachability = {
  mode: 'off',
  watch: () => UNKNOWN,
  close: () => Promise.resolve(),
};
