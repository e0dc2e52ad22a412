import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeAtGameServer,
  decodeAtMasterServer,
  encodeGeneralResponse,
  encodeJoinRequest,
  encodeRegistration,
  INT64_MAX,
  INT64_MIN,
  type Int64,
  int64ToString,
  MessageType,
} from '../src/index.js';
import {
  atMasterServer,
  checkAgainstNativeParse,
  type Doc,
  expect,
  INFO_INTEGERS,
  id,
  joinRequest,
  joinResponse,
  Raw,
  RUNS,
  receive,
  registration,
  registrationDoc,
  text,
  toIntOrZero,
  write,
} from './decoder-model.js';

describe('decoder properties – arbitrary input ends in exactly one outcome', () => {
  it('any string: accepted, ignored or closed with 4000/4001/4002, in the order JSON.parse implies', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        checkAgainstNativeParse(s, atMasterServer(s), [MessageType.REGISTRATION, MessageType.JOIN_RESPONSE]);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('strings made of JSON punctuation, digits and keywords stay within the same outcomes', () => {
    const unit = fc.constantFrom(...'{}[],:"\\0123456789-+.eE tfnrulase'.split(''), '"metadata"', '"type"', '"id"');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (s) => {
        checkAgainstNativeParse(s, atMasterServer(s), [MessageType.REGISTRATION, MessageType.JOIN_RESPONSE]);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('any bytes: not UTF-8 closes with 1007 (as TextDecoder in fatal mode decides); UTF-8 is decoded', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        const outcome = atMasterServer(buffer);
        let valid = true;
        try {
          fatal.decode(buffer);
        } catch {
          valid = false;
        }
        assert.equal(outcome.kind === 'closed' && outcome.code === 1007, !valid);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('any JSON value (fc.json): closed with 4000 exactly when it is not an object, never anything else thrown', () => {
    fc.assert(
      fc.property(fc.json(), fc.json(), (a, b) => {
        for (const s of [a, `{"metadata":${a},"info":${b}}`, `{"metadata":{"type":-2,"id":${a}},"success":${b}}`]) {
          checkAgainstNativeParse(s, atMasterServer(s), [MessageType.REGISTRATION, MessageType.JOIN_RESPONSE]);
          checkAgainstNativeParse(s, receive(decodeAtGameServer, s, new Set(['1'])), [
            MessageType.JOIN,
            MessageType.REGISTRATION_RESPONSE,
          ]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('objects shaped like messages, with any JSON in every field, end in one of the outcomes', () => {
    const anything = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Doc>;
    const shaped = fc.record({
      metadata: fc.oneof(fc.record({ type: fc.constantFrom(1, -2, 2, -1, 0), id: fc.oneof(anything, id) }), anything),
      info: fc.oneof(
        fc.dictionary(fc.constantFrom('name', 'port', 'map', 'curPlayers', 'password'), anything),
        anything,
      ),
      regToken: anything,
      success: anything,
      error: anything,
    });
    fc.assert(
      fc.property(shaped, fc.boolean(), (doc, awaited) => {
        const s = write(doc as Doc);
        const awaiting = awaited ? new Set([int64ToString(toIntOrZero(doc.metadata))]) : new Set<string>();
        checkAgainstNativeParse(s, atMasterServer(s, awaiting), [MessageType.REGISTRATION, MessageType.JOIN_RESPONSE]);
      }),
      { numRuns: RUNS },
    );
  });

  it('valid messages with characters spliced in or cut out end in one of the outcomes', () => {
    fc.assert(
      fc.property(registration, fc.nat(), fc.nat({ max: 3 }), text, (r, at, cut, insert) => {
        const s = encodeRegistration(r);
        const i = at % (s.length + 1);
        const spliced = s.slice(0, i) + insert + s.slice(i + cut);
        checkAgainstNativeParse(spliced, atMasterServer(spliced), [
          MessageType.REGISTRATION,
          MessageType.JOIN_RESPONSE,
        ]);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('valid messages with one byte flipped: 1007 when no longer UTF-8, else one of the other outcomes', () => {
    fc.assert(
      fc.property(registration, fc.nat(), fc.integer({ min: 1, max: 255 }), (r, at, xor) => {
        const bytes = Buffer.from(encodeRegistration(r));
        const i = at % bytes.length;
        bytes[i] = (bytes[i] ?? 0) ^ xor;
        const outcome = atMasterServer(bytes);
        if (isUtf8(bytes)) {
          checkAgainstNativeParse(bytes.toString(), outcome, [MessageType.REGISTRATION, MessageType.JOIN_RESPONSE]);
        } else assert.deepEqual(outcome, { kind: 'closed', code: 1007 });
      }),
      { numRuns: RUNS * 3 },
    );
  });
});

describe('counterexamples the properties found, kept as fixed cases', () => {
  // parseExact returns a fraction or exponent as a JsonDecimal object, which the
  // decoder took for a JSON object: a top-level number went on to the metadata
  // check and closed with 4001 instead of 4000.
  for (const s of ['4.5', '5e-324', '-1E+2', '0.0', ' 1e3 ']) {
    it(`the top-level number ${JSON.stringify(s)} is malformed JSON (4000) on both sides`, () => {
      assert.deepEqual(atMasterServer(s), { kind: 'closed', code: 4000 });
      assert.deepEqual(receive(decodeAtGameServer, s), { kind: 'closed', code: 4000 });
    });
  }

  it('a metadata, info or error that is a fraction is not an object: 4001, 4002, 4002', () => {
    assert.deepEqual(atMasterServer('{"metadata":1.5}'), { kind: 'closed', code: 4001 });
    assert.deepEqual(atMasterServer('{"metadata":{"type":1,"id":1},"info":2e0,"regToken":""}'), {
      kind: 'closed',
      code: 4002,
    });
    const response = '{"metadata":{"type":-2,"id":1},"success":false,"error":1.0}';
    assert.deepEqual(atMasterServer(response, new Set(['1'])), { kind: 'closed', code: 4002 });
  });
});

describe('decoder properties – valid messages round-trip, mutations end as §3 says', () => {
  it('decode(encode(registration)) is the registration, int64 ids exact', () => {
    fc.assert(
      fc.property(registration, (r) => {
        const outcome = atMasterServer(encodeRegistration(r));
        const { id: _, ...body } = r;
        assert.deepEqual(outcome, { kind: 'accepted', message: { metadata: { type: 1, id: r.id }, ...body } });
      }),
      { numRuns: RUNS },
    );
  });

  it('decode(encode(join request)) at the game server is the request, int64 ids exact', () => {
    fc.assert(
      fc.property(joinRequest, (j) => {
        const outcome = receive(decodeAtGameServer, encodeJoinRequest(j));
        const { id: _, ...body } = j;
        assert.deepEqual(outcome, { kind: 'accepted', message: { metadata: { type: 2, id: j.id }, ...body } });
      }),
      { numRuns: RUNS },
    );
  });

  it('a general response is accepted when its id is awaited and ignored otherwise, on both sides', () => {
    fc.assert(
      fc.property(joinResponse, fc.boolean(), (r, awaited) => {
        const key = int64ToString(r.id);
        const awaiting = awaited ? new Set([key]) : new Set<string>();
        for (const [type, decode] of [
          [MessageType.JOIN_RESPONSE, decodeAtMasterServer],
          [MessageType.REGISTRATION_RESPONSE, decodeAtGameServer],
        ] as const) {
          const s = encodeGeneralResponse(type, r.id, r.error);
          const outcome = receive(decode, s, awaiting);
          if (!awaited) {
            assert.deepEqual(outcome, { kind: 'ignored' });
            continue;
          }
          const body = r.error === undefined ? { success: true } : { success: false, error: r.error };
          assert.deepEqual(outcome, { kind: 'accepted', message: { metadata: { type, id: r.id }, ...body } });
          // The reply to it echoes the id byte for byte.
          assert.equal(/"id":(-?\d+)/.exec(s)?.[1], key);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('an id at the int64 bounds is accepted; one beyond, with a fraction or an exponent, or a string is 4001', () => {
    const bad = fc.constantFrom(
      (INT64_MAX + 1n).toString(),
      (INT64_MIN - 1n).toString(),
      '18446744073709551616',
      '1.0',
      '-0.0',
      '1e3',
      '1E+0',
      '0.5',
      '"1"',
      'null',
      'true',
      '[1]',
      '{}',
    );
    fc.assert(
      fc.property(registration, bad, fc.constantFrom(INT64_MAX, INT64_MIN), (r, badId, edge) => {
        const doc = registrationDoc(r);
        const good = write({ ...doc, metadata: { type: 1, id: edge } });
        const outcome = atMasterServer(good);
        expect(outcome, 'accepted', good);
        assert.equal(outcome.kind === 'accepted' && (outcome.message as { metadata: { id: Int64 } }).metadata.id, edge);
        const s = write({ ...doc, metadata: { type: 1, id: new Raw(badId) } });
        expect(atMasterServer(s), 4001, s);
      }),
      { numRuns: RUNS },
    );
  });

  it('dropping metadata, its type or its id is 4001; dropping a required field is 4002', () => {
    const required = ['name', 'desc', 'port', 'map', 'playlist', 'curPlayers', 'maxPlayers', 'gameState'] as const;
    fc.assert(
      fc.property(registration, fc.constantFrom(...required), fc.constantFrom('metadata', 'type', 'id'), (r, f, m) => {
        const doc = registrationDoc(r);
        const { [f]: _, ...lessInfo } = doc.info as Record<string, Doc>;
        const s1 = write({ ...doc, info: lessInfo });
        expect(atMasterServer(s1), 4002, s1);
        const { regToken: __, ...noToken } = doc;
        expect(atMasterServer(write(noToken)), 4002, write(noToken));
        const metadata = doc.metadata as Record<string, Doc>;
        const { [m]: ___, ...rest } = m === 'metadata' ? doc : metadata;
        const s2 = write(m === 'metadata' ? rest : { ...doc, metadata: rest });
        expect(atMasterServer(s2), 4001, s2);
      }),
      { numRuns: RUNS },
    );
  });

  it('a field of the wrong type, an integer out of range by one, a fraction or an exponent is 4002', () => {
    const field = fc.constantFrom('name', 'desc', 'map', 'playlist', 'password', 'port', 'curPlayers', 'maxPlayers');
    const other = fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Doc>;
    fc.assert(
      fc.property(registration, field, other, fc.boolean(), (r, f, value, edge) => {
        const doc = registrationDoc(r);
        const numeric = f in INFO_INTEGERS;
        const wrongType = numeric ? typeof value !== 'number' || !Number.isInteger(value) : typeof value !== 'string';
        if (wrongType) {
          const s = write({ ...doc, info: { ...(doc.info as object), [f]: value } });
          expect(atMasterServer(s), 4002, s);
        }
        if (!numeric) return;
        const [min, max] = INFO_INTEGERS[f] ?? [0, 0];
        const bound = edge ? max : min;
        const inside = write({ ...doc, info: { ...(doc.info as object), [f]: bound } });
        expect(atMasterServer(inside), 'accepted', inside);
        for (const outside of [edge ? max + 1 : min - 1, new Raw(`${bound}.0`), new Raw(`${bound}e0`)]) {
          const s = write({ ...doc, info: { ...(doc.info as object), [f]: outside } });
          expect(atMasterServer(s), 4002, s);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a response to no waiting request is ignored whatever its body; awaited, a broken body is 4002', () => {
    fc.assert(
      fc.property(id, fc.jsonValue({ maxDepth: 2 }), (i, body) => {
        const s = write({ metadata: { type: -2, id: BigInt(i) }, success: body as Doc });
        expect(atMasterServer(s), 'ignored', s);
        const awaited = atMasterServer(s, new Set([int64ToString(i)]));
        expect(awaited, body === true ? 'accepted' : 4002, s);
      }),
      { numRuns: RUNS },
    );
  });

  it('unknown fields, however deep, are ignored: the message is the same', () => {
    fc.assert(
      fc.property(
        registration,
        fc.jsonValue() as fc.Arbitrary<Doc>,
        fc.integer({ min: 1, max: 2000 }),
        (r, v, depth) => {
          const plain = atMasterServer(encodeRegistration(r));
          const deep = new Raw(`${'['.repeat(depth)}${']'.repeat(depth)}`);
          const doc = registrationDoc(r);
          const s = write({
            ...doc,
            x: v,
            info: { ...(doc.info as object), future: deep },
            metadata: { ...(doc.metadata as object), y: v },
          });
          assert.deepEqual(atMasterServer(s), plain);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a duplicated key counts by its last value, as JSON.parse does', () => {
    fc.assert(
      fc.property(registration, fc.integer(), (r, n) => {
        const s = encodeRegistration(r);
        const wrongFirst = s.replace('"regToken":', `"regToken":${n},"regToken":`);
        expect(atMasterServer(wrongFirst), 'accepted', wrongFirst);
        const wrongLast = s.replace(/}$/, `,"regToken":${n}}`);
        expect(atMasterServer(wrongLast), 4002, wrongLast);
        const idTwice = s.replace('"metadata":{', `"metadata":{"id":1.5,`);
        expect(atMasterServer(idTwice), 'accepted', idTwice);
      }),
      { numRuns: RUNS },
    );
  });
});
