import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkPlayerNames } from '../src/index.js';

const FORBIDDEN_MESSAGE =
  /^(username|clantag) must not hold control, format, surrogate or unassigned characters \(it holds U\+[0-9A-F]{4,6}\)$/;

describe('checkPlayerNames – names a player goes by, refused rather than cleaned', () => {
  for (const [username, clantag] of [
    ['Zoë 山田', 'NS'],
    ['Zoe\u0308 山田', ''],
    ['Viper', undefined],
    ['Viper', null],
    ['🎮'.repeat(32), '🎮'.repeat(32)],
    ['a', 'x'.repeat(32)],
    ['  spaced  out  ', ' '],
    ['Ἀχιλλεύς', 'Ωμέγα'],
    ['محمد', 'עברית'],
    ['\u{20000}\u{2A6D6}', 'क्षत्रिय'],
  ] as const) {
    it(`accepts ${JSON.stringify(username)} / ${JSON.stringify(clantag)} exactly as written`, () => {
      const names = checkPlayerNames(username, clantag);
      assert.deepEqual(names, { username, clantag: clantag ?? '' });
      assert.ok(typeof names !== 'string' && names.username === username, 'the same string, not a cleaned copy');
    });
  }

  for (const [what, username, clantag, message] of [
    ['no username', undefined, 'NS', 'username must be a string of 1 to 32 characters'],
    ['an empty username', '', 'NS', 'username must be a string of 1 to 32 characters'],
    ['a numeric username', 7, 'NS', 'username must be a string of 1 to 32 characters'],
    ['a 33-character username', 'u'.repeat(33), '', 'username must be a string of 1 to 32 characters'],
    ['a username of 33 emoji', '🎮'.repeat(33), '', 'username must be a string of 1 to 32 characters'],
    ['a 33-character clantag', 'u', 'c'.repeat(33), 'clantag must be a string of at most 32 characters'],
    ['a numeric clantag', 'u', 5, 'clantag must be a string of at most 32 characters'],
    ['an array clantag', 'u', ['NS'], 'clantag must be a string of at most 32 characters'],
  ] as const) {
    it(`refuses ${what}, naming the field`, () => {
      assert.equal(checkPlayerNames(username, clantag), message);
    });
  }

  for (const [category, characters] of [
    ['a control (Cc)', ['\u0000', '\u0007', '\t', '\n', '\u001B', '\u007F', '\u0085', '\u009B']],
    [
      'a format (Cf)',
      ['\u00AD', '\u061C', '\u200B', '\u200C', '\u200D', '\u200E', '\u202E', '\u2066', '\u2069', '\uFEFF', '\u{E0001}'],
    ],
    ['a surrogate (Cs)', ['\uD800', '\uDBFF', '\uDC00', '\uDFFF']],
    ['an unassigned (Cn)', ['\u0378', '\uFDD0', '\uFFFF', '\u{E0080}', '\u{10FFFF}']],
  ] as const) {
    for (const character of characters) {
      const code = (character.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
      it(`refuses ${category} character U+${code} in a username or a clantag, naming the field`, () => {
        assert.equal(
          checkPlayerNames(`Vi${character}per`, 'NS'),
          `username must not hold control, format, surrogate or unassigned characters (it holds U+${code})`,
        );
        assert.equal(
          checkPlayerNames('Viper', `${character}NS`),
          `clantag must not hold control, format, surrogate or unassigned characters (it holds U+${code})`,
        );
      });
    }
  }

  it('a forbidden character counts as refused however short the name: one zero-width space is no username', () => {
    assert.match(checkPlayerNames('\u200B', '') as string, FORBIDDEN_MESSAGE);
  });

  it('any text: either both names come back unchanged, or a message naming username or clantag', () => {
    const unit = fc.oneof(
      fc.constantFrom('\u200B', '\u202E', '\uD800', '\uDFFF', '\u0378', '\u0000', '🎮', 'ë', '山', ' '),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    const text = fc.string({ unit, maxLength: 40 });
    fc.assert(
      fc.property(text, fc.option(text, { nil: undefined }), (username, clantag) => {
        const names = checkPlayerNames(username, clantag);
        if (typeof names === 'string') {
          assert.match(names, /^(username|clantag) must /);
          return;
        }
        assert.equal(names.username, username);
        assert.equal(names.clantag, clantag ?? '');
        for (const name of [names.username, names.clantag]) {
          assert.ok([...name].length <= 32);
          assert.ok(![...name].some((c) => /[\p{Cc}\p{Cf}\p{Cs}\p{Cn}]/u.test(c)), JSON.stringify(name));
        }
        assert.ok(names.username.length > 0);
      }),
    );
  });
});
