// The constant list server's request listener: the masterserver's own answer bytes with its headers, 304 on a
// matching If-None-Match. Used by the `http` baseline (its own process) and by the masterserver runner's `constant`
// command (the same listener in the masterserver's process).
import { readFileSync } from 'node:fs';

/**
 * `spec`: { plain, gzip } file paths of the bodies, and { headers, gzipHeaders, notModifiedHeaders } as the
 * masterserver sent them. Returns a `request` listener answering every request with those bytes.
 */
export function constantAnswer(spec) {
  const plain = readFileSync(spec.plain);
  const gzip = readFileSync(spec.gzip);
  const etag = spec.headers.etag;
  return (req, res) => {
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, spec.notModifiedHeaders);
      res.end();
    } else if ((req.headers['accept-encoding'] ?? '').includes('gzip')) {
      res.writeHead(200, spec.gzipHeaders);
      res.end(gzip);
    } else {
      res.writeHead(200, spec.headers);
      res.end(plain);
    }
  };
}
