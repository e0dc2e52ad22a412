import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  clearFilters,
  defaultView,
  isFiltered,
  listQuery,
  parseView,
  type ViewState,
  viewToSearch,
} from '../src/view.js';

const every: ViewState = {
  q: 'frontier & co',
  map: 'mp_glitch',
  playlist: 'fd_regular',
  gameState: 4,
  notFull: true,
  notEmpty: true,
  noPassword: true,
  reachable: true,
  quickPlaylist: 'aitdm',
};

describe('the view in the URL', () => {
  it('the default view has no query string, and an empty query string is the default view', () => {
    assert.equal(viewToSearch(defaultView), '');
    assert.deepEqual(parseView(''), defaultView);
  });

  it('every field survives a round trip through the query string, under the list’s own parameter names', () => {
    const search = viewToSearch(every);
    assert.equal(
      search,
      '?q=frontier+%26+co&map=mp_glitch&playlist=fd_regular&gameState=4&notFull=1&notEmpty=1&noPassword=1&reachable=1&qp=aitdm',
    );
    assert.deepEqual(parseView(search), every);
  });

  it('takes the spellings the masterserver takes (true for 1), and the older links’ full=hide and password=hide', () => {
    assert.deepEqual(parseView('?notFull=true&reachable=1&notEmpty=0'), {
      ...defaultView,
      notFull: true,
      reachable: true,
    });
    assert.deepEqual(parseView('?full=hide&password=hide'), { ...defaultView, notFull: true, noPassword: true });
  });

  it('unknown or bad parameters are left out; a repeated one keeps its first good value', () => {
    assert.deepEqual(parseView('?sort=name&dir=asc&utm_source=x&gameState=1.5&notFull=yes&map='), defaultView);
    assert.deepEqual(parseView('?gameState=99999999999&gameState=2&map=&map=mp_rise&map=mp_eden'), {
      ...defaultView,
      gameState: 2,
      map: 'mp_rise',
    });
    assert.equal(parseView(`?map=${'m'.repeat(65)}`).map, '', 'a map the masterserver would refuse');
    assert.equal(parseView(`?q=${'é'.repeat(70)}`).q, 'é'.repeat(64), 'the search is cut to 64 characters');
  });
});

describe('the query the masterserver is asked', () => {
  it('is the filters only (not the quick-play playlist), the search trimmed', () => {
    assert.equal(
      listQuery({ ...every, q: '  frontier  ' }),
      'q=frontier&map=mp_glitch&playlist=fd_regular&gameState=4&notFull=1&notEmpty=1&noPassword=1&reachable=1',
    );
    assert.equal(listQuery({ ...defaultView, quickPlaylist: 'aitdm', q: '   ' }), '');
  });

  it('a view filters when any filter is on; clearing keeps the quick-play playlist', () => {
    assert.equal(isFiltered(defaultView), false);
    assert.equal(isFiltered({ ...defaultView, quickPlaylist: 'aitdm' }), false);
    for (const change of [{ q: 'x' }, { map: 'm' }, { gameState: 0 }, { reachable: true }, { notEmpty: true }])
      assert.equal(isFiltered({ ...defaultView, ...change }), true, JSON.stringify(change));
    assert.deepEqual(clearFilters(every), { ...defaultView, quickPlaylist: 'aitdm' });
  });
});
