/**
 * The names people read for the list's `map` and `playlist` values
 * (`GET /v2/client/display-names`): a built-in table for Titanfall 2, or a
 * table of the operator's (`--display-names FILE`, the `displayNames` option)
 * that replaces it.
 *
 * @module
 */

import { codePointLength } from '@masterserver/protocol';

/** Display names by map and by playlist value: `{"maps": {ID: NAME}, "playlists": {ID: NAME}}`. */
export interface DisplayNames {
  /** Map value (e.g. `mp_glitch`) → its name (`Glitch`). */
  readonly maps: Readonly<Record<string, string>>;
  /** Playlist value (e.g. `aitdm`) → its name (`Attrition`). */
  readonly playlists: Readonly<Record<string, string>>;
}

/**
 * Every multiplayer map and playlist of Titanfall 2 and its DLC, with the
 * names the game shows, and the game modes the Northstar project added, with
 * Northstar's names.
 */
export const TITANFALL2_DISPLAY_NAMES: DisplayNames = {
  maps: {
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
    // Live Fire.
    mp_lf_deck: 'Deck',
    mp_lf_meadow: 'Meadow',
    mp_lf_stacks: 'Stacks',
    mp_lf_township: 'Township',
    mp_lf_traffic: 'Traffic',
    mp_lf_uma: 'UMA',
    // Coliseum.
    mp_coliseum: 'Coliseum',
    mp_coliseum_column: 'Pillars',
    mp_box: 'Box',
    mp_lobby: 'Lobby',
  },
  playlists: {
    private_match: 'Private Match',
    aitdm: 'Attrition',
    at: 'Bounty Hunt',
    coliseum: 'Coliseum',
    cp: 'Amped Hardpoint',
    ctf: 'Capture the Flag',
    fd: 'Frontier Defense',
    fd_easy: 'Frontier Defense (Easy)',
    fd_normal: 'Frontier Defense (Regular)',
    fd_hard: 'Frontier Defense (Hard)',
    fd_master: 'Frontier Defense (Master)',
    fd_insane: 'Frontier Defense (Insane)',
    ffa: 'Free for All',
    fra: 'Free Agents',
    lf: 'Live Fire',
    speedball: 'Live Fire',
    lts: 'Last Titan Standing',
    mfd: 'Marked for Death',
    ps: 'Pilots vs. Pilots',
    solo: 'Campaign',
    tdm: 'Skirmish',
    ttdm: 'Titan Brawl',
    // Featured modes.
    alts: 'Aegis Last Titan Standing',
    attdm: 'Aegis Titan Brawl',
    holopilot_lf: 'The Great Bamboozle',
    rocket_lf: 'Rocket Arena',
    turbo_lts: 'Turbo Last Titan Standing',
    turbo_ttdm: 'Turbo Titan Brawl',
    // Northstar's modes.
    chamber: 'One in the Chamber',
    ctf_comp: 'Competitive CTF',
    fastball: 'Fastball',
    fw: 'Frontier War',
    gg: 'Gun Game',
    hidden: 'The Hidden',
    hs: 'Hide and Seek',
    inf: 'Infection',
    kr: 'Amped Killrace',
    sbox: 'Sandbox',
    sns: 'Sticks and Stones',
    tffa: 'Titan FFA',
    tt: 'Titan Tag',
    sp_coop: 'Campaign Co-op',
  },
};

/** Limits of a display-names table: entries per kind, characters of an id (as the list's) and of a name. */
export const DisplayNameLimits = { ENTRIES_MAX: 10_000, ID_MAX: 64, NAME_MAX: 128 } as const;

function checkTable(kind: 'maps' | 'playlists', value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`"${kind}" must be an object of ids to names`);
  }
  const entries = Object.entries(value);
  if (entries.length > DisplayNameLimits.ENTRIES_MAX) {
    throw new Error(`"${kind}" holds more than ${DisplayNameLimits.ENTRIES_MAX} names`);
  }
  for (const [id, name] of entries) {
    if (id === '' || codePointLength(id) > DisplayNameLimits.ID_MAX) {
      throw new Error(`"${kind}": an id must be 1 to ${DisplayNameLimits.ID_MAX} characters`);
    }
    if (typeof name !== 'string' || name.trim() === '' || codePointLength(name) > DisplayNameLimits.NAME_MAX) {
      throw new Error(
        `"${kind}": the name of ${JSON.stringify(id)} must be a string of 1 to ${DisplayNameLimits.NAME_MAX} characters`,
      );
    }
  }
  // Own properties only, whatever the ids (`__proto__` included).
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * Checks a display-names table (as read from JSON): an object with `maps` and
 * `playlists`, each an object of ids to non-empty names; other keys are
 * refused. Returns a copy holding exactly those; throws an `Error` saying
 * what is wrong.
 */
export function checkDisplayNames(value: unknown): DisplayNames {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('must be a JSON object {"maps": {ID: NAME}, "playlists": {ID: NAME}}');
  }
  const unknown = Object.keys(value).find((key) => key !== 'maps' && key !== 'playlists');
  if (unknown !== undefined) throw new Error(`unknown key "${unknown}" (only "maps" and "playlists")`);
  const { maps, playlists } = value as Record<string, unknown>;
  return { maps: checkTable('maps', maps), playlists: checkTable('playlists', playlists) };
}
