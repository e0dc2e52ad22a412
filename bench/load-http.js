// A small HTTP load generator (keep-alive, fixed concurrency), run as a child
// process so that it does not share the event loop of the server it measures.
// Usage: node load-http.js URL DURATION_MS CONCURRENCY [HEADER:VALUE ...]
import { Agent, request } from 'node:http';

const [url, durationText, concurrencyText, ...headerArgs] = process.argv.slice(2);
const duration = Number(durationText);
const concurrency = Number(concurrencyText);
const headers = Object.fromEntries(headerArgs.map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1)]));
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
let requests = 0;
let bytes = 0;
let errors = 0;
const end = performance.now() + duration;

function one() {
  return new Promise((resolve) => {
    const req = request(url, { agent, headers }, (res) => {
      res.on('data', (chunk) => {
        bytes += chunk.length;
      });
      res.on('end', () => {
        if (res.statusCode === 200) requests++;
        else errors++;
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end();
  });
}

async function worker() {
  while (performance.now() < end) await one();
}

const start = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - start) / 1000;
agent.destroy();
console.log(JSON.stringify({ rps: requests / seconds, bytesPerRequest: bytes / Math.max(requests, 1), errors }));
