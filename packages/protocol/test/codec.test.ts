import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CloseCode,
  decodeAtGameServer,
  decodeAtMasterServer,
  encodeGeneralResponse,
  encodeJoinRequest,
  encodeRegistration,
  MessageType,
  ProtocolError,
} from '../src/index.js';

const info =
  '"info":{"name":"[NS] Kodai 24/7","desc":"casual","port":37015,"map":"mp_forwardbase_kodai","playlist":"fd","curPlayers":3,"maxPlayers":16,"gameState":1}';
const registration = (id: string, extra = ''): string =>
  `{"metadata":{"type":1,"id":${id}},${info},"regToken":"tok"${extra}}`;
const never = (): boolean => false;
const always = (): boolean => true;

function closeCodeOf(run: () => unknown): number {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
    return error.closeCode;
  }
  assert.fail('expected the message to be refused');
}

describe('int64 ids – echoed byte for byte across the whole range', () => {
  const ids = [
    '0',
    '-0',
    '1',
    '-1',
    '42',
    '9007199254740991',
    '9007199254740992',
    '9007199254740993',
    '-9007199254740993',
    '9223372036854775807',
    '-9223372036854775808',
  ];
  for (const id of ids) {
    it(`registration with id ${id} is answered with id ${id}`, () => {
      const message = decodeAtMasterServer(registration(id), never);
      assert.ok(message !== undefined && message.metadata.type === MessageType.REGISTRATION);
      assert.equal(
        encodeGeneralResponse(MessageType.REGISTRATION_RESPONSE, message.metadata.id),
        `{"metadata":{"type":-1,"id":${id}},"success":true}`,
      );
    });
  }

  const invalid = [
    '1.5',
    '1e3',
    '1.0',
    '-0.0',
    '"1"',
    '9223372036854775808',
    '-9223372036854775809',
    '99999999999999999999',
    'null',
    'true',
    '[1]',
    '{}',
  ];
  for (const id of invalid) {
    it(`id ${id} is invalid metadata (4001)`, () => {
      assert.equal(
        closeCodeOf(() => decodeAtMasterServer(registration(id), never)),
        CloseCode.INVALID_METADATA,
      );
    });
  }

  it('a missing id is invalid metadata (4001)', () => {
    assert.equal(
      closeCodeOf(() => decodeAtMasterServer(`{"metadata":{"type":1},${info},"regToken":"t"}`, never)),
      4001,
    );
  });
});

describe('decodeAtMasterServer – the order of checks (docs/protocol.md#checks)', () => {
  it('rule 2: syntax errors and non-objects are malformed JSON (4000)', () => {
    for (const text of [
      '',
      '{',
      'not json',
      '[]',
      '[{"metadata":{"type":1,"id":1}}]',
      '1',
      '"x"',
      'null',
      `${registration('1')}x`,
    ]) {
      assert.equal(
        closeCodeOf(() => decodeAtMasterServer(text, never)),
        CloseCode.MALFORMED_JSON,
        text,
      );
    }
  });

  it('rule 2 before rule 3: a syntax error after bad metadata is still 4000', () => {
    assert.equal(
      closeCodeOf(() => decodeAtMasterServer('{"metadata":5,"x":}', never)),
      4000,
    );
  });

  it('rule 3: missing, ill-typed or unreceivable metadata is 4001', () => {
    const texts = [
      '{}',
      '{"metadata":null}',
      '{"metadata":[]}',
      '{"metadata":"x"}',
      '{"metadata":{"id":1}}',
      '{"metadata":{"type":"1","id":1}}',
      '{"metadata":{"type":1.5,"id":1}}',
      '{"metadata":{"type":1e0,"id":1}}',
      '{"metadata":{"type":2,"id":1}}',
      '{"metadata":{"type":-1,"id":1}}',
      '{"metadata":{"type":0,"id":1}}',
      '{"metadata":{"type":3,"id":1}}',
      '{"metadata":{"type":4294967297,"id":1}}',
    ];
    for (const text of texts)
      assert.equal(
        closeCodeOf(() => decodeAtMasterServer(text, always)),
        4001,
        text,
      );
  });

  it('rule 3 before rule 5: bad metadata with a bad body is 4001', () => {
    assert.equal(
      closeCodeOf(() => decodeAtMasterServer('{"metadata":{"type":1,"id":"x"},"info":5}', never)),
      4001,
    );
  });

  it('rule 4: a response to no waiting request is ignored, even with a wrong schema', () => {
    assert.equal(decodeAtMasterServer('{"metadata":{"type":-2,"id":7},"success":"maybe"}', never), undefined);
    assert.equal(decodeAtMasterServer('{"metadata":{"type":-2,"id":7}}', never), undefined);
  });

  it('rule 4 asks about the id exactly as written', () => {
    const asked: string[] = [];
    decodeAtMasterServer('{"metadata":{"type":-2,"id":9223372036854775807},"success":true}', (id) => {
      asked.push(id);
      return false;
    });
    assert.deepEqual(asked, ['9223372036854775807']);
  });

  it('rule 5: a waited-for response with a wrong schema is 4002', () => {
    const texts = [
      '{"metadata":{"type":-2,"id":7}}',
      '{"metadata":{"type":-2,"id":7},"success":"yes"}',
      '{"metadata":{"type":-2,"id":7},"success":1}',
      '{"metadata":{"type":-2,"id":7},"success":false}',
      '{"metadata":{"type":-2,"id":7},"success":false,"error":{"type":1}}',
      '{"metadata":{"type":-2,"id":7},"success":false,"error":{"type":1.5,"msg":"x"}}',
      '{"metadata":{"type":-2,"id":7},"success":false,"error":{"type":2147483648,"msg":"x"}}',
      '{"metadata":{"type":-2,"id":7},"success":false,"error":"no"}',
      '{"metadata":{"type":-2,"id":7},"success":true,"error":{"type":1,"msg":"x"}}',
    ];
    for (const text of texts)
      assert.equal(
        closeCodeOf(() => decodeAtMasterServer(text, always)),
        4002,
        text,
      );
  });

  it('a waited-for join response decodes, extra fields ignored', () => {
    assert.deepEqual(decodeAtMasterServer('{"metadata":{"type":-2,"id":7},"success":true,"extra":[1.5]}', always), {
      metadata: { type: -2, id: 7 },
      success: true,
    });
    assert.deepEqual(
      decodeAtMasterServer('{"metadata":{"type":-2,"id":7},"success":false,"error":{"type":3,"msg":"full"}}', always),
      { metadata: { type: -2, id: 7 }, success: false, error: { type: 3, msg: 'full' } },
    );
  });

  const fields: Array<[string, string, string]> = [
    ['info missing', '"info":5', ''],
    ['name not a string', '"name":"[NS] Kodai 24/7"', '"name":1'],
    ['desc missing', '"desc":"casual",', ''],
    ['port negative', '"port":37015', '"port":-1'],
    ['port 65536', '"port":37015', '"port":65536'],
    ['port 1.0', '"port":37015', '"port":1.0'],
    ['port 3e4', '"port":37015', '"port":3e4'],
    ['port "37015"', '"port":37015', '"port":"37015"'],
    ['map null', '"map":"mp_forwardbase_kodai"', '"map":null'],
    ['playlist missing', '"playlist":"fd",', ''],
    ['curPlayers 2^31', '"curPlayers":3', '"curPlayers":2147483648'],
    ['maxPlayers -2^31-1', '"maxPlayers":16', '"maxPlayers":-2147483649'],
    ['gameState true', '"gameState":1', '"gameState":true'],
    ['password null', '"gameState":1', '"gameState":1,"password":null'],
    ['password a number', '"gameState":1', '"gameState":1,"password":1234'],
  ];
  for (const [name, from, to] of fields) {
    it(`rule 5: a registration with ${name} is 4002`, () => {
      const text =
        name === 'info missing' ? `{"metadata":{"type":1,"id":1},"regToken":"t"}` : registration('1').replace(from, to);
      assert.notEqual(text, registration('1'));
      assert.equal(
        closeCodeOf(() => decodeAtMasterServer(text, never)),
        CloseCode.WRONG_SCHEMA,
      );
    });
  }

  it('rule 5: a registration without a string regToken is 4002', () => {
    assert.equal(
      closeCodeOf(() => decodeAtMasterServer(registration('1').replace('"regToken":"tok"', '"regToken":5'), never)),
      4002,
    );
    assert.equal(
      closeCodeOf(() => decodeAtMasterServer(registration('1').replace(',"regToken":"tok"', ''), never)),
      4002,
    );
  });

  it('accepts the INT32 and UINT16 bounds and keeps only known fields', () => {
    const text = registration('1')
      .replace('"port":37015', '"port":65535')
      .replace('"curPlayers":3', '"curPlayers":-2147483648')
      .replace('"maxPlayers":16', '"maxPlayers":2147483647')
      .replace('"gameState":1', '"gameState":1,"password":"","future":{"x":1.5}');
    const message = decodeAtMasterServer(text, never);
    assert.deepEqual(message, {
      metadata: { type: 1, id: 1 },
      info: {
        name: '[NS] Kodai 24/7',
        desc: 'casual',
        port: 65535,
        map: 'mp_forwardbase_kodai',
        playlist: 'fd',
        curPlayers: -2147483648,
        maxPlayers: 2147483647,
        gameState: 1,
        password: '',
      },
      regToken: 'tok',
    });
  });

  it('gives a short reason that names the field', () => {
    try {
      decodeAtMasterServer(registration('1').replace('"port":37015', '"port":-1'), never);
      assert.fail('expected a ProtocolError');
    } catch (error) {
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.code, 'WRONG_SCHEMA');
      assert.match(error.reason, /info\.port/);
      assert.ok(Buffer.byteLength(error.reason) <= 123);
    }
  });
});

describe('decodeAtGameServer – the same rules from the other side', () => {
  it('decodes a join request with a UINT32 conv and an int64 id', () => {
    const text =
      '{"metadata":{"type":2,"id":9223372036854775807},"sessionToken":"s","username":"Viper","clantag":"NS","conv":4294967295}';
    const message = decodeAtGameServer(text, never);
    assert.deepEqual(message, {
      metadata: { type: 2, id: 9223372036854775807n },
      sessionToken: 's',
      username: 'Viper',
      clantag: 'NS',
      conv: 4294967295,
    });
  });
  it('refuses conv out of UINT32 range (4002) and a registration request (4001)', () => {
    const join = '{"metadata":{"type":2,"id":1},"sessionToken":"s","username":"u","clantag":"","conv":4294967296}';
    assert.equal(
      closeCodeOf(() => decodeAtGameServer(join, never)),
      4002,
    );
    assert.equal(
      closeCodeOf(() => decodeAtGameServer(registration('1'), never)),
      4001,
    );
  });
  it('ignores a registration response to no waiting request', () => {
    assert.equal(decodeAtGameServer('{"metadata":{"type":-1,"id":5},"success":true}', never), undefined);
  });
});

describe('encoders – exact bytes', () => {
  it('a failed registration response', () => {
    assert.equal(
      encodeGeneralResponse(MessageType.REGISTRATION_RESPONSE, 9223372036854775807n, {
        type: 1,
        msg: 'Invalid registration token',
      }),
      '{"metadata":{"type":-1,"id":9223372036854775807},"success":false,"error":{"type":1,"msg":"Invalid registration token"}}',
    );
  });
  it('a join request, strings escaped', () => {
    assert.equal(
      encodeJoinRequest({ id: 3, sessionToken: 'abc_-', username: 'Vi"per', clantag: '', conv: 77 }),
      '{"metadata":{"type":2,"id":3},"sessionToken":"abc_-","username":"Vi\\"per","clantag":"","conv":77}',
    );
  });
  it('a registration round-trips through the decoder', () => {
    const request = {
      id: -9223372036854775808n,
      info: {
        name: 'n',
        desc: 'd',
        port: 1,
        map: 'm',
        playlist: 'p',
        curPlayers: 0,
        maxPlayers: 2,
        password: 'pw',
        gameState: 0,
      },
      regToken: 't',
    };
    const decoded = decodeAtMasterServer(encodeRegistration(request), never);
    assert.deepEqual(decoded, { metadata: { type: 1, id: request.id }, info: request.info, regToken: 't' });
  });
  it('refuses to encode a number the schema does not allow', () => {
    assert.throws(
      () => encodeJoinRequest({ id: 1, sessionToken: 's', username: 'u', clantag: '', conv: -1 }),
      RangeError,
    );
    assert.throws(() => encodeGeneralResponse(MessageType.JOIN_RESPONSE, 1, { type: 1.5, msg: 'x' }), RangeError);
  });
});

describe('decode – fuzzed', () => {
  it('any mutation of a valid message decodes or throws a ProtocolError, nothing else (20,000 cases)', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const bases = [
      registration('9223372036854775807', ',"password":"pw"'),
      '{"metadata":{"type":-2,"id":7},"success":false,"error":{"type":1,"msg":"no"}}',
      '{"metadata":{"type":2,"id":1},"sessionToken":"s","username":"u","clantag":"c","conv":5}',
    ];
    const pieces = [
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '\\',
      '-',
      '.',
      'e',
      '0',
      '9',
      ' ',
      'null',
      'true',
      '1e999',
      '-0',
    ];
    for (let n = 0; n < 20_000; n++) {
      let text = bases[n % bases.length] as string;
      for (let k = 0; k < 1 + Math.floor(random() * 3); k++) {
        const at = Math.floor(random() * text.length);
        const r = random();
        if (r < 0.4) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 5));
        else text = text.slice(0, at) + (pieces[Math.floor(random() * pieces.length)] as string) + text.slice(at);
      }
      for (const decode of [decodeAtMasterServer, decodeAtGameServer]) {
        try {
          decode(text, () => random() < 0.5);
        } catch (error) {
          assert.ok(error instanceof ProtocolError, `${String(error)} for ${JSON.stringify(text)}`);
        }
      }
    }
  });
});
