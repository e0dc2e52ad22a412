import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cleanLines } from '../src/clean.js';
import { cleanLine, cleanServerInfo, codePointLength, invalidInfoField, type ServerInfo } from '../src/index.js';

const info = (overrides: Partial<ServerInfo> = {}): ServerInfo => ({
  name: '[NS] Kodai',
  desc: 'casual',
  port: 37015,
  map: 'mp_forwardbase_kodai',
  playlist: 'fd_regular',
  curPlayers: 0,
  maxPlayers: 16,
  gameState: 0,
  ...overrides,
});

/** Texts rich in what cleaning is about: whitespace, controls, format characters, surrogates, astral characters. */
const texts = fc.string({
  unit: fc.oneof(
    fc.constantFrom(' ', '\t', '\n', '\r', '\u00A0', '\u3000', '\u2028', '\u200B', '\u202E', '\uFEFF', '\u00AD'),
    fc.constantFrom('\u0000', '\u0085', '\u007F', '\uD800', '\uDFFF', '\u3164', '🎮', 'é', 'x'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});

describe('cleanLine – names, maps and playlists as the list shows them', () => {
  for (const [input, expected] of [
    ['[NS]\u200B  Kodai\u0007 ', '[NS] Kodai'],
    ['\u202EnamE\u202C', 'namE'],
    ['a\u2066b\u2069c', 'abc'],
    ['soft\u00ADhyphen', 'softhyphen'],
    ['\uFEFFbom', 'bom'],
    ['word\u2060joiner\u2061\u2062\u2063\u2064', 'wordjoiner'],
    ['\u200C\u200D\u200E\u200Fx', 'x'],
    ['c1\u0085\u009Bcontrols\u007F', 'c1controls'],
    ['nul\u0000byte', 'nulbyte'],
    ['tab\there', 'tab here'],
    ['line\nbreak\r\nand\u2028separators\u2029too', 'line break and separators too'],
    ['\u00A0nbsp\u00A0\u00A0inside\u00A0', 'nbsp inside'],
    ['\u3000ideographic\u3000space\u3000', 'ideographic space'],
    ['en\u2002em\u2003thin\u2009hair\u200A', 'en em thin hair'],
    ['a \u200B b', 'a b'],
    ['\u3164', ''],
    ['\u115F\u1160\uFFA0blank fillers', 'blank fillers'],
    ['lone \uD800 surrogate \uDFFF', 'lone surrogate'],
    ['\u200B\u200B\u200B', ''],
    ['   ', ''],
    ['', ''],
  ] as const) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(cleanLine(input), expected);
    });
  }

  for (const kept of ['[NS] Kodai 24/7', 'Ünïcödé 名前 сервер', '🎮 Frontier 🇩🇪', 'x', 'é\u0301 combining', '❤️ vs']) {
    it(`${JSON.stringify(kept)} has nothing to clean and comes back as it is`, () => {
      assert.equal(cleanLine(kept), kept);
    });
  }

  it('is idempotent and leaves no control, format or surrogate character, no edge or double whitespace', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const once = cleanLine(text);
        assert.equal(cleanLine(once), once);
        assert.doesNotMatch(once, /[\p{Cc}\p{Cf}\p{Cs}]|[^\S ]|^ | $| {2}/u);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('cleanLines – the description keeps its lines', () => {
  for (const [input, expected] of [
    ['Casual\r\n\r\n  EU only  ', 'Casual\nEU only'],
    ['one\rtwo\u2028three\u2029four\vfive\ffive', 'one\ntwo\nthree\nfour\nfive\nfive'],
    ['\n\nleading and trailing\n\n', 'leading and trailing'],
    ['spaces  \t inside \u00A0 a line', 'spaces inside a line'],
    ['hidden\u200B\n\u200Bline', 'hidden\nline'],
    ['first \n second', 'first\nsecond'],
  ] as const) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(cleanLines(input), expected);
    });
  }

  it('a clean multi-line text comes back as it is', () => {
    const text = 'Rules:\nno cheating\n名前 🎮';
    assert.equal(cleanLines(text), text);
  });

  it('is idempotent and leaves single \\n between lines only', () => {
    fc.assert(
      fc.property(texts, (text) => {
        const once = cleanLines(text);
        assert.equal(cleanLines(once), once);
        assert.doesNotMatch(once, /(?!\n)[\p{Cc}\p{Cf}\p{Cs}]|[^\S \n]|^\s|\s$|\s\s/u);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('cleanServerInfo and the limits – lengths count code points of the cleaned text', () => {
  it('returns the same object when nothing needs cleaning', () => {
    const clean = info();
    assert.equal(cleanServerInfo(clean), clean);
  });

  it('cleans name, desc, map and playlist and keeps the rest', () => {
    const dirty = info({
      name: ' [NS]\u200B  Kodai\u0007 ',
      desc: 'a\r\n\r\nb',
      map: 'mp\u00A0box ',
      playlist: '\u202Etdm',
      password: ' secret ',
    });
    assert.deepEqual(cleanServerInfo(dirty), {
      ...dirty,
      name: '[NS] Kodai',
      desc: 'a\nb',
      map: 'mp box',
      playlist: 'tdm',
      password: ' secret ',
    });
  });

  it('a name of only invisible characters is empty after cleaning: Invalid server info: name', () => {
    assert.equal(invalidInfoField(cleanServerInfo(info({ name: '\u200B\u202E \u00A0\uFEFF' }))), 'name');
    assert.equal(invalidInfoField(cleanServerInfo(info({ map: '\u2060' }))), 'map');
    assert.equal(invalidInfoField(cleanServerInfo(info({ playlist: '\t' }))), 'playlist');
  });

  it('emoji and other astral characters count as one character each: 64 fit a name, 65 do not', () => {
    const emoji = '🎮'.repeat(64);
    assert.equal(emoji.length, 128);
    assert.equal(codePointLength(emoji), 64);
    assert.equal(invalidInfoField(cleanServerInfo(info({ name: emoji }))), undefined);
    assert.equal(invalidInfoField(cleanServerInfo(info({ name: `${emoji}𝕏` }))), 'name');
  });

  it('invisible characters do not count toward the limit: 64 letters with zero-width spaces between them fit', () => {
    const padded = [...'x'.repeat(64)].join('\u200B');
    assert.equal(invalidInfoField(info({ name: padded })), 'name');
    assert.equal(invalidInfoField(cleanServerInfo(info({ name: padded }))), undefined);
  });

  it('a desc of 1024 characters after cleaning fits, 1025 do not', () => {
    assert.equal(invalidInfoField(cleanServerInfo(info({ desc: `${'é'.repeat(1024)}  ` }))), undefined);
    assert.equal(invalidInfoField(cleanServerInfo(info({ desc: 'é'.repeat(1025) }))), 'desc');
  });
});
