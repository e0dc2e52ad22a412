import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Server } from '../src/types.js';
import {
  defaultView,
  distinctValues,
  parseView,
  toggleSort,
  type ViewState,
  viewToSearch,
  visibleServers,
} from '../src/view.js';

function server(name: string, overrides: Partial<Server> = {}): Server {
  return {
    id: name,
    name,
    desc: '',
    map: 'mp_glitch',
    playlist: 'aitdm',
    curPlayers: 0,
    maxPlayers: 16,
    hasPassword: false,
    gameState: 0,
    reachable: null,
    ...overrides,
  };
}

const servers = [
  server('Bravo', { curPlayers: 3, map: 'mp_colony02' }),
  server('alpha', { curPlayers: 3, desc: 'EU casual' }),
  server('Full house', { curPlayers: 16, playlist: 'fd_regular' }),
  server('Locked', { curPlayers: 1, hasPassword: true }),
  server('Empty', { curPlayers: 0, gameState: 4 }),
];
const names = (view: Partial<ViewState>) => visibleServers(servers, { ...defaultView, ...view }).map((s) => s.name);

describe('the view in the URL', () => {
  it('the default view has no query string, and an empty query string is the default view', () => {
    assert.equal(viewToSearch(defaultView), '');
    assert.deepEqual(parseView(''), defaultView);
  });

  it('every field survives a round trip through the query string', () => {
    const view: ViewState = {
      q: 'frontier & co',
      map: 'mp_glitch',
      playlist: 'fd_regular',
      hideFull: true,
      hidePassworded: true,
      sort: 'name',
      dir: 'desc',
    };
    const search = viewToSearch(view);
    assert.equal(
      search,
      '?q=frontier+%26+co&map=mp_glitch&playlist=fd_regular&full=hide&password=hide&sort=name&dir=desc',
    );
    assert.deepEqual(parseView(search), view);
  });

  it('a sort in its natural direction leaves dir out', () => {
    assert.equal(viewToSearch({ ...defaultView, sort: 'map', dir: 'asc' }), '?sort=map');
    assert.equal(viewToSearch({ ...defaultView, dir: 'asc' }), '?sort=players&dir=asc');
  });

  it('unknown or bad parameters fall back to the defaults', () => {
    assert.deepEqual(parseView('?sort=__proto__&dir=sideways&full=yes&utm_source=x'), defaultView);
    assert.deepEqual(parseView('?sort=toString'), defaultView);
  });

  it('a click on the sorted column flips it; on another column starts in that column’s natural direction', () => {
    const byName = toggleSort(defaultView, 'name');
    assert.deepEqual([byName.sort, byName.dir], ['name', 'asc']);
    assert.deepEqual([toggleSort(byName, 'name').dir], ['desc']);
    const byPlayers = toggleSort(byName, 'players');
    assert.deepEqual([byPlayers.sort, byPlayers.dir], ['players', 'desc']);
  });
});

describe('filtering and sorting the list', () => {
  it('by default: most players first, ties by name regardless of case', () => {
    assert.deepEqual(names({}), ['Full house', 'alpha', 'Bravo', 'Locked', 'Empty']);
  });

  it('the search matches name, description, map and playlist, case-insensitively', () => {
    assert.deepEqual(names({ q: 'ALPHA' }), ['alpha']);
    assert.deepEqual(names({ q: ' eu ' }), ['alpha']);
    assert.deepEqual(names({ q: 'colony' }), ['Bravo']);
    assert.deepEqual(names({ q: 'fd_reg' }), ['Full house']);
    assert.deepEqual(names({ q: 'nothing like it' }), []);
  });

  it('map and playlist filters match exactly', () => {
    assert.deepEqual(names({ map: 'mp_colony02' }), ['Bravo']);
    assert.deepEqual(names({ playlist: 'fd_regular' }), ['Full house']);
  });

  it('hide full and hide passworded drop those servers', () => {
    assert.deepEqual(names({ hideFull: true, hidePassworded: true }), ['alpha', 'Bravo', 'Empty']);
  });

  it('sorts by every column in both directions, ties in the masterserver order', () => {
    assert.deepEqual(names({ sort: 'name', dir: 'asc' }), ['alpha', 'Bravo', 'Empty', 'Full house', 'Locked']);
    assert.deepEqual(names({ sort: 'name', dir: 'desc' }), ['Locked', 'Full house', 'Empty', 'Bravo', 'alpha']);
    assert.deepEqual(names({ sort: 'players', dir: 'asc' }), ['Empty', 'Locked', 'alpha', 'Bravo', 'Full house']);
    assert.deepEqual(names({ sort: 'map', dir: 'asc' }), ['Bravo', 'Full house', 'alpha', 'Locked', 'Empty']);
    assert.deepEqual(names({ sort: 'state', dir: 'desc' }).slice(0, 2), ['Empty', 'Full house']);
  });

  it('the map choices are the distinct maps, sorted, plus the selected one even when no server has it', () => {
    assert.deepEqual(distinctValues(servers, 'map', ''), ['mp_colony02', 'mp_glitch']);
    assert.deepEqual(distinctValues(servers, 'map', 'mp_angel_city'), ['mp_angel_city', 'mp_colony02', 'mp_glitch']);
  });
});
