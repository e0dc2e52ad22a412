import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fetchRaw } from '@masterserver/testing';
import { OptionError, TITANFALL2_DISPLAY_NAMES } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { startMs } from './helpers.js';

const PATH = '/v2/client/display-names';

describe('GET /v2/client/display-names', () => {
  it('answers the built-in Titanfall 2 table by default, with an ETag, a 304 and compression', async () => {
    const t = await startMs({ webRoot: null });
    try {
      const res = await fetchRaw(`${t.url}${PATH}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.deepEqual(res.json, TITANFALL2_DISPLAY_NAMES);
      const etag = res.headers.etag as string;
      assert.match(etag, /^W\/".+"$/);
      const again = await fetchRaw(`${t.url}${PATH}`, { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      assert.equal(again.raw.length, 0);
      const br = await fetchRaw(`${t.url}${PATH}`, { headers: { 'accept-encoding': 'br' } });
      assert.equal(br.headers['content-encoding'], 'br');
      assert.deepEqual(br.json, TITANFALL2_DISPLAY_NAMES);
    } finally {
      await t.close();
    }
  });

  it('answers the displayNames option instead, which replaces the table (no merge)', async () => {
    // As a file would hold it: "__proto__" is a name like any other.
    const text = '{"maps":{"mp_custom":"Custom Map","__proto__":"Prototype"},"playlists":{}}';
    const t = await startMs({ webRoot: null, displayNames: JSON.parse(text) });
    try {
      const res = await fetchRaw(`${t.url}${PATH}`);
      assert.equal(res.text, text);
      assert.equal((res.json as { maps: Record<string, string> }).maps.mp_glitch, undefined);
    } finally {
      await t.close();
    }
  });

  for (const [value, expected] of [
    [{ maps: {} }, /"playlists" must be an object/],
    [{ maps: [], playlists: {} }, /"maps" must be an object/],
    [{ maps: { mp_x: '' }, playlists: {} }, /"maps": the name of "mp_x"/],
    [{ maps: { mp_x: 'X'.repeat(129) }, playlists: {} }, /"maps": the name of "mp_x"/],
    [{ maps: {}, playlists: { ['p'.repeat(65)]: 'P' } }, /"playlists": an id must be 1 to 64/],
    [{ maps: {}, playlists: {}, modes: {} }, /unknown key "modes"/],
    ['names', /must be a JSON object/],
  ] as const) {
    it(`refuses ${JSON.stringify(value).slice(0, 60)} with an OptionError naming displayNames`, () => {
      assert.throws(
        () => resolveOptions({ displayNames: value as never, webRoot: null }),
        (error: unknown) =>
          error instanceof OptionError && error.option === 'displayNames' && expected.test(error.message),
      );
    });
  }
});

describe('the built-in Titanfall 2 table', () => {
  it('names every stock multiplayer map, Live Fire and Coliseum included', () => {
    const maps = TITANFALL2_DISPLAY_NAMES.maps;
    for (const [id, name] of Object.entries({
      mp_angel_city: 'Angel City',
      mp_black_water_canal: 'Black Water Canal',
      mp_grave: 'Boomtown',
      mp_colony02: 'Colony',
      mp_complex3: 'Complex',
      mp_crashsite3: 'Crash Site',
      mp_drydock: 'Drydock',
      mp_eden: 'Eden',
      mp_thaw: 'Exoplanet',
      mp_forwardbase_kodai: 'Forwardbase Kodai',
      mp_glitch: 'Glitch',
      mp_homestead: 'Homestead',
      mp_relic02: 'Relic',
      mp_rise: 'Rise',
      mp_wargames: 'War Games',
      mp_lf_deck: 'Deck',
      mp_lf_meadow: 'Meadow',
      mp_lf_stacks: 'Stacks',
      mp_lf_township: 'Township',
      mp_lf_traffic: 'Traffic',
      mp_lf_uma: 'UMA',
      mp_coliseum: 'Coliseum',
      mp_coliseum_column: 'Pillars',
    })) {
      assert.equal(maps[id], name, id);
    }
  });

  it('names every stock playlist, the Frontier Defense difficulties and the featured modes', () => {
    const playlists = TITANFALL2_DISPLAY_NAMES.playlists;
    for (const [id, name] of Object.entries({
      aitdm: 'Attrition',
      tdm: 'Skirmish',
      ps: 'Pilots vs. Pilots',
      cp: 'Amped Hardpoint',
      ctf: 'Capture the Flag',
      lts: 'Last Titan Standing',
      at: 'Bounty Hunt',
      mfd: 'Marked for Death',
      ttdm: 'Titan Brawl',
      attdm: 'Aegis Titan Brawl',
      alts: 'Aegis Last Titan Standing',
      ffa: 'Free for All',
      fra: 'Free Agents',
      coliseum: 'Coliseum',
      speedball: 'Live Fire',
      fd_easy: 'Frontier Defense (Easy)',
      fd_normal: 'Frontier Defense (Regular)',
      fd_hard: 'Frontier Defense (Hard)',
      fd_master: 'Frontier Defense (Master)',
      fd_insane: 'Frontier Defense (Insane)',
      private_match: 'Private Match',
    })) {
      assert.equal(playlists[id], name, id);
    }
  });

  it('passes its own checks', () => {
    assert.deepEqual(resolveOptions({ webRoot: null }).displayNames, TITANFALL2_DISPLAY_NAMES);
    assert.doesNotThrow(() => resolveOptions({ displayNames: TITANFALL2_DISPLAY_NAMES, webRoot: null }));
  });
});
