import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinErrorMessage } from '../src/api.js';
import { gameStateLabel } from '../src/format.js';

const error = (code: string, msg = '', extra: object = {}) => ({ error: { code, msg }, ...extra });

describe('join errors in words', () => {
  it('wrong password, timeout, gone, busy and not listed each have their sentence', () => {
    assert.match(joinErrorMessage(403, error('WRONG_PASSWORD')).message, /^Wrong password/);
    assert.match(joinErrorMessage(504, error('GS_TIMEOUT')).message, /did not answer in time/);
    assert.match(joinErrorMessage(502, error('GS_GONE')).message, /went offline/);
    assert.match(joinErrorMessage(503, error('GS_BUSY')).message, /Try again in a moment/);
    assert.match(joinErrorMessage(404, error('SERVER_NOT_FOUND')).message, /no longer listed/);
  });

  it('a rejection carries the game server’s own message', () => {
    const body = error('JOIN_REJECTED', 'The game server refused the join', {
      gsError: { type: 7, msg: 'Server is full' },
    });
    assert.deepEqual(joinErrorMessage(409, body), {
      code: 'JOIN_REJECTED',
      message: 'The game server refused the join: Server is full',
    });
    assert.match(joinErrorMessage(409, error('JOIN_REJECTED')).message, /gave no reason/);
  });

  it('a bad request names the field; an unknown answer keeps its status and message', () => {
    assert.equal(
      joinErrorMessage(400, error('BAD_REQUEST', 'username must be a string of 1 to 32 characters')).message,
      'Check the form: username must be a string of 1 to 32 characters.',
    );
    assert.deepEqual(joinErrorMessage(502, 'not json'), {
      code: 'HTTP_502',
      message: 'The masterserver answered 502.',
    });
  });
});

describe('quick play errors in words', () => {
  it('no server available says how many were tried', () => {
    assert.match(
      joinErrorMessage(404, error('NO_SERVER_AVAILABLE', '', { tried: 0 })).message,
      /^No server can take you/,
    );
    assert.match(joinErrorMessage(404, error('NO_SERVER_AVAILABLE', '', { tried: 1 })).message, /the one server tried/);
    assert.match(joinErrorMessage(404, error('NO_SERVER_AVAILABLE', '', { tried: 3 })).message, /all 3 servers tried/);
    assert.match(joinErrorMessage(404, error('NO_SERVER_AVAILABLE')).message, /^No server can take you/, 'no count');
  });

  it('a ban gives its reason; too many requests asks to wait', () => {
    assert.equal(
      joinErrorMessage(403, error('BANNED', 'Banned: cheating')).message,
      'You are banned from this masterserver: cheating.',
    );
    assert.equal(joinErrorMessage(403, error('BANNED', '')).message, 'You are banned from this masterserver.');
    assert.match(joinErrorMessage(429, error('TOO_MANY_REQUESTS')).message, /Wait a moment/);
  });
});

describe('game states', () => {
  it('known states have names; others show the number', () => {
    assert.equal(gameStateLabel(4), 'Playing');
    assert.equal(gameStateLabel(42), 'State 42');
  });
});
