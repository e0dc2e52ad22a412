import { type IncomingMessage, request } from 'node:http';

/** One Server-Sent Event as a client sees it (comments are kept apart). */
export interface SseEvent {
  event: string;
  id: string | undefined;
  data: string;
  retry: number | undefined;
}

/** A raw `text/event-stream` client that parses the stream exactly as the spec says. */
export class SseClient {
  readonly response: IncomingMessage;
  /** Comment lines (`: …`) received, without the colon. */
  readonly comments: string[] = [];
  readonly #events: SseEvent[] = [];
  readonly #waiters: Array<() => void> = [];
  #buffer = '';
  #ended = false;
  /** The whole text received. */
  text = '';

  private constructor(response: IncomingMessage) {
    this.response = response;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.text += chunk;
      this.#buffer += chunk;
      this.#parse();
    });
    response.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    response.on('error', () => {
      this.#ended = true;
      this.#wake();
    });
  }

  /** Opens `url` and resolves once the response headers arrived. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) =>
        resolve(new SseClient(res)),
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** True once the server ended the stream. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The next event, waiting up to `timeoutMs`. */
  async next(timeoutMs = 3000): Promise<SseEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const event = this.#events.shift();
      if (event !== undefined) return event;
      if (this.#ended) throw new Error('the stream ended');
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next event of type `type`, skipping others. */
  async nextOf(type: string, timeoutMs = 3000): Promise<SseEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const event = await this.next(Math.max(1, deadline - performance.now()));
      if (event.event === type) return event;
    }
  }

  /** Resolves once the server ends the stream (or rejects after `timeoutMs`). */
  async untilEnded(timeoutMs = 3000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!this.#ended) {
      if (performance.now() > deadline) throw new Error(`the stream did not end within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): void {
    this.response.destroy();
  }

  #parse(): void {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end === -1) return;
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const event: SseEvent = { event: 'message', id: undefined, data: '', retry: undefined };
      const data: string[] = [];
      let any = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          this.comments.push(line.slice(1).trim());
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event.event = value;
        else if (field === 'id') event.id = value;
        else if (field === 'retry') event.retry = Number(value);
        else if (field === 'data') data.push(value);
        else continue;
        any = true;
      }
      if (!any) continue;
      event.data = data.join('\n');
      if (data.length > 0) this.#events.push(event);
      this.#wake();
    }
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}
