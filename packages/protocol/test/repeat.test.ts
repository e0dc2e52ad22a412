import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeAtMasterServer, RegistrationEcho, type RegistrationRequest } from '../src/index.js';
import { locateMetadataId } from '../src/repeat.js';

const never = () => false;
const decode = (text: string) => decodeAtMasterServer(text, never) as RegistrationRequest;

const INFO =
  '"info":{"name":"[NS] Kodai 24/7","desc":"casual","port":37015,"map":"mp_forwardbase_kodai","playlist":"fd_regular","curPlayers":3,"maxPlayers":16,"gameState":1}';
const registration = (id: string, info = INFO, token = 'tok') =>
  `{"metadata":{"type":1,"id":${id}},${info},"regToken":"${token}"}`;

/** An echo that remembers `text`. */
function echoOf(text: string): RegistrationEcho {
  const echo = new RegistrationEcho();
  echo.remember(Buffer.from(text), text, decode(text));
  return echo;
}

describe('RegistrationEcho: a registration repeated but for its id is taken without parsing', () => {
  it('gives exactly what the decoder gives, for every kind of int64 id', () => {
    const echo = echoOf(registration('41'));
    for (const id of [
      '0',
      '-0',
      '7',
      '-42',
      '123456789012345',
      '9007199254740993',
      '9223372036854775807',
      '-9223372036854775808',
    ]) {
      const text = registration(id);
      const taken = echo.match(Buffer.from(text));
      assert.ok(taken, id);
      assert.deepEqual(taken, decode(text), id);
      assert.ok(Object.is(taken.metadata.id, decode(text).metadata.id), `${id}: the same value, -0 included`);
    }
  });

  it('leaves to the decoder anything else: another byte anywhere, or an id that is not a plain int64 integer', () => {
    const echo = echoOf(registration('41'));
    const others = [
      registration('41', INFO.replace('"curPlayers":3', '"curPlayers":4')),
      registration('41', INFO, 'other'),
      registration('41').replace('"type":1', '"type":1 '),
      registration('1.5'),
      registration('1e3'),
      registration('01'),
      registration('--1'),
      registration('9223372036854775808'),
      registration('-9223372036854775809'),
      registration('"41"'),
      registration(''),
      `${registration('41')} `,
    ];
    for (const text of others) assert.equal(echo.match(Buffer.from(text)), undefined, text);
    assert.equal(new RegistrationEcho().match(Buffer.from(registration('1'))), undefined, 'nothing remembered');
  });

  it('keeps the password, with or without one, and each repeat gets an info of its own', () => {
    for (const info of [INFO, INFO.replace('"gameState":1', '"gameState":1,"password":"hunter2"')]) {
      const echo = echoOf(registration('41', info));
      const text = registration('42', info);
      const first = echo.match(Buffer.from(text));
      const second = echo.match(Buffer.from(text));
      assert.deepEqual(first, decode(text));
      assert.deepEqual(second, decode(text));
      assert.notEqual(first?.info, second?.info, 'what one registration does with its info cannot reach the next');
    }
  });

  it('takes the fields from the object it is given in place of the info (a listing of the same values)', () => {
    const text = registration('41', INFO.replace('"gameState":1', '"gameState":1,"password":"pw"'));
    const message = decode(text);
    const { password: _, ...values } = message.info;
    const listing = { ...values, id: 'abc', json: '{}' };
    const echo = new RegistrationEcho();
    echo.remember(Buffer.from(text), text, message, listing);
    const repeat = registration('43', INFO.replace('"gameState":1', '"gameState":1,"password":"pw"'));
    const taken = echo.match(Buffer.from(repeat));
    assert.deepEqual(taken, decode(repeat), 'only the info fields, and the message password');
    assert.equal(taken?.info.name, listing.name, 'the given object’s text');
  });

  it('counts bytes, not characters: a name of multi-byte characters before the id', () => {
    const info = INFO.replace('[NS] Kodai 24/7', 'Zoë 山田 👨‍👩‍👧');
    const text = `{${info},"metadata":{"id":5,"type":1},"regToken":"tok"}`;
    const echo = echoOf(text);
    const repeat = text.replace('"id":5', '"id":123456');
    assert.deepEqual(echo.match(Buffer.from(repeat)), decode(repeat));
  });

  it('does not remember a text whose id cannot be told apart: escapes, a second metadata or id, an id elsewhere', () => {
    assert.equal(locateMetadataId(registration('5').replace('Kodai', 'Ko\\u0064ai')), undefined, 'an escape');
    assert.equal(
      locateMetadataId(`{"metadata":{"type":1,"id":5},"metadata":{"type":1,"id":6},${INFO},"regToken":"t"}`),
      undefined,
      'two metadata keys',
    );
    assert.equal(locateMetadataId('{"metadata":{"type":1,"id":5,"id":6}}'), undefined, 'two ids');
    const nested = `{"info":{"metadata":{"id":9}},"metadata":{"type":1,"id":5},"x":[{"id":7},{"metadata":1}]}`;
    const at = locateMetadataId(nested);
    assert.ok(at);
    assert.equal(nested.slice(at.start, at.end), '5');
    const echo = new RegistrationEcho();
    const escaped = registration('5').replace('casual', 'ca\\"sual');
    echo.remember(Buffer.from(escaped), escaped, decode(escaped));
    assert.equal(echo.match(Buffer.from(escaped)), undefined, 'forgotten: the next one is decoded');
  });

  it('property: for any registration and any int64 id, a repeat gives what the decoder gives', () => {
    const text = fc
      .string({ maxLength: 20 })
      .map((s) => [...s].filter((c) => c !== '\\' && c !== '"' && c >= ' ').join(''));
    fc.assert(
      fc.property(
        text,
        fc.integer({ min: 0, max: 99 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (name, players, first, second) => {
          const info = INFO.replace('[NS] Kodai 24/7', () => name).replace('"curPlayers":3', `"curPlayers":${players}`);
          const echo = echoOf(registration(String(first), info));
          const repeat = registration(String(second), info);
          assert.deepEqual(echo.match(Buffer.from(repeat)), decode(repeat));
        },
      ),
      { numRuns: 500 },
    );
  });
  it('property: any one byte changed, added or removed after the id is left to the decoder', () => {
    const text = registration('41');
    const after = text.indexOf('41') + 2;
    const echo = echoOf(text);
    fc.assert(
      fc.property(
        fc.integer({ min: after, max: text.length - 1 }),
        fc.integer({ min: 0x20, max: 0x7e }),
        fc.constantFrom('change', 'insert', 'remove'),
        (at, code, how) => {
          const c = String.fromCharCode(code);
          if (how === 'change' && text[at] === c) return;
          // A digit or minus sign right after the id is part of the id: another id, the same registration.
          if (how === 'insert' && at === after && /[-0-9]/.test(c)) return;
          const other =
            how === 'change'
              ? text.slice(0, at) + c + text.slice(at + 1)
              : how === 'insert'
                ? text.slice(0, at) + c + text.slice(at)
                : text.slice(0, at) + text.slice(at + 1);
          assert.equal(echo.match(Buffer.from(other)), undefined, other);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('two messages that differ only in the order of the same bytes after the id are told apart', () => {
    const text = registration('41');
    const swapped = registration(
      '41',
      INFO.replace('"curPlayers":3,"maxPlayers":16', '"curPlayers":6,"maxPlayers":13'),
    );
    assert.equal(text.length, swapped.length);
    assert.equal(echoOf(text).match(Buffer.from(swapped)), undefined);
    const words = registration('41', INFO.replace('"name":"[NS] Kodai 24/7"', '"name":"[NS] 24/7 Kodai"'));
    assert.equal(echoOf(text).match(Buffer.from(words)), undefined);
  });
});
