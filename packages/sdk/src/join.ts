/**
 * Player joins: what the game's handler sees and answers, and the runner that
 * guarantees an answer before the masterserver gives up, however the handler
 * behaves.
 *
 * @module
 */

import { isInt32, type ResponseError } from '@masterserver/protocol';

/** A player asking to join, as the MS sent it. */
export interface PlayerJoin {
  /** The request's `metadata.id`, as its exact JSON text (an int64 may not fit a `number`). */
  id: string;
  /** The secret the player will present when connecting to the game (keep it secret). */
  sessionToken: string;
  /** At most 32 characters. */
  username: string;
  /** At most 32 characters; may be empty. */
  clantag: string;
  /** The KCP conversation id the MS picked for this player (UINT32, not 0). */
  conv: number;
}

/** The game's answer: let the player in, or refuse with an error the player sees. */
export type JoinAnswer = { accept: true } | { accept: false; error: ResponseError };

/**
 * Decides on a join. It may be async; `signal` aborts when the answer is no
 * longer wanted (the handler timed out, the connection or the client closed).
 * A handler that throws, rejects or takes longer than `joinTimeout` gets the
 * player rejected with {@link JoinErrorType.HANDLER_FAILED} or
 * {@link JoinErrorType.HANDLER_TIMEOUT}.
 */
export type JoinHandler = (join: PlayerJoin, signal: AbortSignal) => JoinAnswer | Promise<JoinAnswer>;

/**
 * Join error types the SDK uses. The protocol leaves join error types to the
 * game (any INT32); these are suggestions for common refusals, and the two
 * the SDK sends by itself when a handler fails.
 */
export const JoinErrorType = {
  /** The game refused the player (a generic refusal). */
  REFUSED: 1,
  /** No free player slot. */
  SERVER_FULL: 2,
  /** The join handler threw or rejected. */
  HANDLER_FAILED: 3,
  /** The join handler did not answer within `joinTimeout`. */
  HANDLER_TIMEOUT: 4,
} as const;

/** One of the values of {@link JoinErrorType}. */
export type JoinErrorType = (typeof JoinErrorType)[keyof typeof JoinErrorType];

/** `{ accept: true }`. */
export function acceptJoin(): JoinAnswer {
  return { accept: true };
}

/** `{ accept: false, error: { type, msg } }`. */
export function rejectJoin(type: number, msg: string): JoinAnswer {
  return { accept: false, error: { type, msg } };
}

/** The handler used when the game gives none: accept every player (the MS has checked the password). */
export const acceptEveryone: JoinHandler = () => ({ accept: true });

/** How {@link runJoinHandler} ended. */
export type JoinResult =
  | { kind: 'answered'; answer: JoinAnswer }
  | { kind: 'error' | 'timeout'; answer: JoinAnswer; cause: unknown }
  | { kind: 'aborted' };

function checkAnswer(answer: unknown): JoinAnswer {
  const a = answer as { accept?: unknown; error?: { type?: unknown; msg?: unknown } } | null;
  if (a !== null && typeof a === 'object') {
    if (a.accept === true) return { accept: true };
    const error = a.error;
    if (a.accept === false && typeof error === 'object' && error !== null) {
      if (isInt32(error.type) && typeof error.msg === 'string') {
        return { accept: false, error: { type: error.type, msg: error.msg } };
      }
    }
  }
  throw new TypeError(
    'the join handler must return { accept: true } or { accept: false, error: { type: INT32, msg: string } }, ' +
      `got ${JSON.stringify(answer) ?? String(answer)}`,
  );
}

/**
 * Runs `handler` on `join` with a deadline of `timeoutMs`. Resolves (never
 * rejects) with the handler's answer, or with a rejection the client sends on
 * its behalf when it throws, rejects, returns something that is not an answer
 * or misses the deadline; or with `aborted` when `signal` aborts first.
 */
export function runJoinHandler(
  handler: JoinHandler,
  join: PlayerJoin,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<JoinResult> {
  const controller = new AbortController();
  return new Promise<JoinResult>((resolve) => {
    let done = false;
    const finish = (result: JoinResult, reason?: unknown): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (result.kind !== 'answered') controller.abort(reason);
      resolve(result);
    };
    const onAbort = (): void => finish({ kind: 'aborted' }, signal.reason);
    const timer = setTimeout(() => {
      const cause = new Error(`the join handler did not answer within ${timeoutMs} ms`);
      const answer = rejectJoin(JoinErrorType.HANDLER_TIMEOUT, 'the game server did not decide in time');
      finish({ kind: 'timeout', answer, cause }, cause);
    }, timeoutMs);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    new Promise<JoinAnswer>((resolveAnswer) => resolveAnswer(handler(join, controller.signal))).then(checkAnswer).then(
      (answer) => finish({ kind: 'answered', answer }),
      (cause: unknown) => {
        const answer = rejectJoin(JoinErrorType.HANDLER_FAILED, 'the game server could not decide on the join');
        finish({ kind: 'error', answer, cause }, cause);
      },
    );
  });
}
