import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adminErrorMessage } from '../src/admin/admin-api.js';

const error = (code: string, msg = '') => ({ error: { code, msg } });

describe('admin API errors in words', () => {
  it('a refused token, the rate limit, a bad form and things already gone each have their sentence', () => {
    assert.match(adminErrorMessage(401, error('UNAUTHORIZED')).message, /did not accept this admin token/);
    assert.match(adminErrorMessage(429, error('TOO_MANY_REQUESTS')).message, /^Too many requests/);
    assert.equal(
      adminErrorMessage(400, error('BAD_REQUEST', 'value: "x" is not an IP address or CIDR range')).message,
      'Check the form: value: "x" is not an IP address or CIDR range.',
    );
    assert.match(adminErrorMessage(404, error('SERVER_NOT_FOUND')).message, /no longer listed/);
    assert.match(adminErrorMessage(404, error('BAN_NOT_FOUND')).message, /already lifted/);
  });

  it('an unknown answer keeps its status and message; a body that is not JSON still has a code', () => {
    assert.deepEqual(adminErrorMessage(503, error('CLUSTER_UNAVAILABLE', 'Redis is down')), {
      code: 'CLUSTER_UNAVAILABLE',
      message: 'The masterserver answered 503: Redis is down.',
    });
    assert.deepEqual(adminErrorMessage(502, undefined), {
      code: 'HTTP_502',
      message: 'The masterserver answered 502.',
    });
  });
});
