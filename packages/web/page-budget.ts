/**
 * A Vite plugin that fails the build when everything the page loads (the
 * emitted HTML, scripts and styles) weighs more than the budget once
 * compressed with brotli, as the masterserver serves it.
 *
 * @module
 */

import { brotliCompressSync, constants } from 'node:zlib';
import type { Plugin } from 'vite';

/** The budget of the page, compressed: 100 KB. */
export const PAGE_BUDGET_BYTES = 100 * 1024;

/** Checks the compressed size of the bundle against `budget` bytes and reports it. */
export function pageBudget(budget = PAGE_BUDGET_BYTES): Plugin {
  return {
    name: 'masterserver-page-budget',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      let total = 0;
      for (const file of Object.values(bundle)) {
        const content = file.type === 'chunk' ? file.code : file.source;
        total += brotliCompressSync(content, {
          params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
        }).length;
      }
      const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;
      if (total > budget) this.error(`the page weighs ${kb(total)} compressed (br), over its budget of ${kb(budget)}`);
      this.info(`page weight: ${kb(total)} compressed (br), budget ${kb(budget)}`);
    },
  };
}
