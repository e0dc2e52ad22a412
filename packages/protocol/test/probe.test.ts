import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ConvRange,
  decodeAtGameServer,
  decodeProbe,
  decodeProbeReply,
  encodeJoinRequest,
  encodeProbe,
  encodeProbeReply,
  isConnectionless,
  type JoinRequest,
  ProbeDatagram,
} from '../src/index.js';
import { RUNS } from './decoder-model.js';

const NONCE = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const PROBE_HEX = `ffffffff${Buffer.from('MSPROBE1').toString('hex')}000102030405060708090a0b0c0d0e0f`;
const REPLY_HEX = `ffffffff${Buffer.from('MSREPLY1').toString('hex')}000102030405060708090a0b0c0d0e0f`;

describe('reachability probe datagrams – exact bytes', () => {
  it('a probe is FF FF FF FF, "MSPROBE1", the 16-byte nonce: 28 bytes', () => {
    const probe = encodeProbe(NONCE);
    assert.equal(probe.toString('hex'), PROBE_HEX);
    assert.equal(probe.length, 28);
    assert.equal(probe.length, ProbeDatagram.SIZE);
  });

  it('an answer is FF FF FF FF, "MSREPLY1", the same nonce: 28 bytes, never larger than the probe', () => {
    const reply = encodeProbeReply(NONCE);
    assert.equal(reply.toString('hex'), REPLY_HEX);
    assert.equal(reply.length, encodeProbe(NONCE).length);
  });

  it('decoding gives back the nonce, as a copy that later changes to the datagram do not touch', () => {
    const probe = Buffer.from(PROBE_HEX, 'hex');
    const nonce = decodeProbe(probe);
    assert.deepEqual(nonce, NONCE);
    probe.fill(0);
    assert.deepEqual(nonce, NONCE);
    assert.deepEqual(decodeProbeReply(Buffer.from(REPLY_HEX, 'hex')), NONCE);
    assert.deepEqual(decodeProbe(new Uint8Array(Buffer.from(PROBE_HEX, 'hex'))), NONCE, 'a plain Uint8Array too');
  });

  it('a probe is not an answer and an answer is not a probe', () => {
    assert.equal(decodeProbeReply(Buffer.from(PROBE_HEX, 'hex')), undefined);
    assert.equal(decodeProbe(Buffer.from(REPLY_HEX, 'hex')), undefined);
  });

  const notProbes: Array<[string, string]> = [
    ['one byte short', PROBE_HEX.slice(0, -2)],
    ['one byte more', `${PROBE_HEX}00`],
    ['the header alone', PROBE_HEX.slice(0, 24)],
    ['a prefix byte 0xFE', `fe${PROBE_HEX.slice(2)}`],
    ['a lowercase tag', `ffffffff${Buffer.from('msprobe1').toString('hex')}${NONCE.toString('hex')}`],
    ['another version', `ffffffff${Buffer.from('MSPROBE2').toString('hex')}${NONCE.toString('hex')}`],
    ['no prefix', `${Buffer.from('MSPROBE1').toString('hex')}${NONCE.toString('hex')}00000000`],
    ['empty', ''],
  ];
  for (const [what, hex] of notProbes) {
    it(`${what}: not a probe`, () => {
      assert.equal(decodeProbe(Buffer.from(hex, 'hex')), undefined);
    });
  }

  it('a nonce of any other length than 16 bytes is refused', () => {
    assert.throws(() => encodeProbe(Buffer.alloc(15)), RangeError);
    assert.throws(() => encodeProbeReply(Buffer.alloc(17)), RangeError);
  });
});

describe('connectionless packets and conv', () => {
  it('a datagram is connectionless when it starts with four 0xFF bytes', () => {
    assert.equal(isConnectionless(Buffer.from(PROBE_HEX, 'hex')), true);
    assert.equal(isConnectionless(Buffer.from('ffffffff', 'hex')), true);
    assert.equal(isConnectionless(Buffer.from('ffffff', 'hex')), false);
    assert.equal(isConnectionless(Buffer.from('fffffffe00', 'hex')), false);
    assert.equal(isConnectionless(new Uint8Array(0)), false);
  });

  it('every conv the MS hands out leads a KCP datagram that is never connectionless (conv 0xFFFFFFFF is not one)', () => {
    assert.deepEqual(ConvRange, { MIN: 1, MAX: 0xfffffffe });
    const kcpHead = (conv: number) => {
      const head = Buffer.alloc(4);
      head.writeUInt32LE(conv);
      return head;
    };
    assert.equal(isConnectionless(kcpHead(ConvRange.MAX)), false);
    assert.equal(isConnectionless(kcpHead(ConvRange.MAX + 1)), true, 'the one value kept out of the range');
  });

  it('a game server still accepts a join with any UINT32 conv, 0 and 0xFFFFFFFF included: the range binds the MS', () => {
    for (const conv of [0, 0xffffffff]) {
      const text = encodeJoinRequest({ id: 1, sessionToken: 't', username: 'u', clantag: '', conv });
      assert.equal((decodeAtGameServer(text, () => false) as JoinRequest).conv, conv, text);
    }
  });
});

describe('reachability probe datagrams – properties', () => {
  const nonce = fc.uint8Array({ minLength: 16, maxLength: 16 });

  it('any nonce: encode then decode gives it back, and the answer to a probe carries the probe nonce', () => {
    fc.assert(
      fc.property(nonce, (n) => {
        const probe = encodeProbe(n);
        const decoded = decodeProbe(probe);
        assert.deepEqual(decoded, Buffer.from(n));
        assert.deepEqual(decodeProbeReply(encodeProbeReply(decoded as Buffer)), Buffer.from(n));
        assert.equal(isConnectionless(probe), true);
      }),
      { numRuns: RUNS },
    );
  });

  it('any bytes: decoded as a probe only when exactly 28 bytes with the probe header, and never throws', () => {
    const header = Buffer.from(PROBE_HEX.slice(0, 24), 'hex');
    const datagram = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      // Near misses: the header with a byte changed, or another length.
      fc.tuple(nonce, fc.nat(27), fc.integer({ min: 1, max: 255 })).map(([n, at, delta]) => {
        const bytes = encodeProbe(n);
        bytes[at] = ((bytes[at] ?? 0) + delta) & 0xff;
        return new Uint8Array(bytes);
      }),
      fc.tuple(nonce, fc.integer({ min: -28, max: 36 })).map(([n, cut]) => {
        const bytes = encodeProbe(n);
        return new Uint8Array(cut < 0 ? bytes.subarray(0, 28 + cut) : Buffer.concat([bytes, Buffer.alloc(cut)]));
      }),
    );
    fc.assert(
      fc.property(datagram, (bytes) => {
        const isProbe = bytes.length === 28 && Buffer.from(bytes.subarray(0, 12)).equals(header);
        const decoded = decodeProbe(bytes);
        assert.equal(decoded !== undefined, isProbe);
        if (decoded !== undefined) assert.deepEqual(decoded, Buffer.from(bytes.subarray(12)));
        assert.equal(decodeProbeReply(bytes) !== undefined && isProbe, false, 'never both');
      }),
      { numRuns: RUNS * 3 },
    );
  });
});
