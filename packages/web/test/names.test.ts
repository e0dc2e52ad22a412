import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choices, displayName } from '../src/names.js';

const maps = { mp_glitch: 'Glitch', mp_angel_city: 'Angel City', mp_colony02: 'Colony' };

describe('display names', () => {
  it('a value the table names shows its name; any other value shows raw, even one named like a property', () => {
    assert.equal(displayName(maps, 'mp_glitch'), 'Glitch');
    assert.equal(displayName(maps, 'mp_custom_map'), 'mp_custom_map');
    assert.equal(displayName(maps, 'constructor'), 'constructor');
    assert.equal(displayName(maps, '__proto__'), '__proto__');
  });

  it('the choices are the table’s values, the ones seen and the current one, each once, sorted by the name shown', () => {
    assert.deepEqual(choices(maps, ['mp_glitch', 'mp_zz_custom', 'mp_glitch'], 'mp_b_link'), [
      { value: 'mp_angel_city', label: 'Angel City' },
      { value: 'mp_colony02', label: 'Colony' },
      { value: 'mp_glitch', label: 'Glitch' },
      { value: 'mp_b_link', label: 'mp_b_link' },
      { value: 'mp_zz_custom', label: 'mp_zz_custom' },
    ]);
    assert.deepEqual(choices({}, [], ''), []);
  });
});
