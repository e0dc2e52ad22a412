/**
 * The global cap on probes: at most `rate` datagrams a second (a token
 * bucket holding one second's worth), whatever asks for them, so the probe
 * can never be turned into a UDP cannon. What does not fit now waits its turn.
 *
 * @module
 */

/** Sends at most `rate` a second, in the order asked. */
export class SendPacer {
  readonly #rate: number;
  #tokens: number;
  #refilledAt = performance.now();
  readonly #waiting: Array<() => void> = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(rate: number) {
    this.#rate = rate;
    this.#tokens = rate;
  }

  /** Sends waiting for their turn. */
  get backlog(): number {
    return this.#waiting.length - this.#head;
  }

  /** Runs `send` now if the cap allows, else as soon as it does. */
  schedule(send: () => void): void {
    if (this.backlog === 0 && this.#take()) {
      send();
      return;
    }
    this.#waiting.push(send);
    this.#timer ??= setTimeout(this.#drain, this.#wait()).unref();
  }

  /** Drops every waiting send. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiting.length = 0;
    this.#head = 0;
  }

  #take(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#refilledAt) * this.#rate) / 1000);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until the next token. */
  #wait(): number {
    return Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.#rate));
  }

  readonly #drain = (): void => {
    this.#timer = undefined;
    while (this.#head < this.#waiting.length && this.#take()) {
      const send = this.#waiting[this.#head] as () => void;
      this.#waiting[this.#head++] = noop;
      send();
    }
    if (this.#head === this.#waiting.length) {
      this.#waiting.length = 0;
      this.#head = 0;
    } else this.#timer = setTimeout(this.#drain, this.#wait()).unref();
  };
}

function noop(): void {}
