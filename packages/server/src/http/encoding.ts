/**
 * Content negotiation for compressed responses.
 *
 * @module
 */

/** The encodings the server list is served in. */
export type Encoding = 'br' | 'gzip' | 'identity';

/** The last headers negotiated: clients send a handful of distinct ones, each on every request. */
const negotiated = new Map<string, Encoding>();
const NEGOTIATED_MAX = 64;

/**
 * Picks the response encoding from an `Accept-Encoding` header: `br` when
 * acceptable, else `gzip`, else `identity`. Honours `q` values (`q=0` refuses)
 * and `*`.
 */
export function negotiateEncoding(header: string | undefined): Encoding {
  if (header === undefined || header === '') return 'identity';
  let encoding = negotiated.get(header);
  if (encoding === undefined) {
    encoding = parseAcceptEncoding(header);
    if (negotiated.size >= NEGOTIATED_MAX) negotiated.clear();
    negotiated.set(header, encoding);
  }
  return encoding;
}

function parseAcceptEncoding(header: string): Encoding {
  let br = -1;
  let gzip = -1;
  let star = -1;
  for (const part of header.split(',')) {
    const [rawName = '', ...params] = part.split(';');
    const name = rawName.trim().toLowerCase();
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim().toLowerCase() === 'q' && value !== undefined) {
        const parsed = Number(value.trim());
        q = Number.isFinite(parsed) ? parsed : 0;
      }
    }
    if (name === 'br') br = q;
    else if (name === 'gzip' || name === 'x-gzip') gzip = q;
    else if (name === '*') star = q;
  }
  if (br === -1) br = star;
  if (gzip === -1) gzip = star;
  if (br > 0 && br >= gzip) return 'br';
  if (gzip > 0) return 'gzip';
  if (br > 0) return 'br';
  return 'identity';
}
