/**
 * The page's entry point: the server browser, or at `/admin` the admin view
 * (loaded on its own, so the server browser does not carry it).
 *
 * @module
 */

import { render } from 'preact';
import { App } from './app.js';

const root = document.getElementById('app');
if (root !== null) {
  if (location.pathname === '/admin')
    void import('./admin/admin-app.js').then(({ AdminApp }) => render(<AdminApp />, root));
  else render(<App />, root);
}
