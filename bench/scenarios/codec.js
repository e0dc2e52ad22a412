// An extra, in-process: the registration decode path (parse + validate + reply)
// against JSON.parse plus the cheapest hand-written field check (which is not
// exact for ids above 2^53). Alternates the two and keeps the best of each.
import { decodeAtMasterServer, encodeGeneralResponse } from '@masterserver/protocol';

const info =
  '"info":{"name":"[NS] Frontier Defense 24/7 | EU","desc":"Casual server, no cheats. Discord: example.gg/abc",' +
  '"port":37015,"map":"mp_forwardbase_kodai","playlist":"fd_regular","curPlayers":7,"maxPlayers":16,"password":"",' +
  '"gameState":2},"regToken":"1a2b3c4d.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"';
const small = `{"metadata":{"type":1,"id":123456},${info}}`;
const large = `{"metadata":{"type":1,"id":9223372036854775807},${info}}`;
const never = () => false;

function naive(text) {
  const m = JSON.parse(text);
  if (typeof m !== 'object' || m === null || typeof m.metadata !== 'object') throw new Error('bad');
  const i = m.info;
  if (typeof i.name !== 'string' || !Number.isInteger(i.port) || typeof m.regToken !== 'string') throw new Error('bad');
  return `{"metadata":{"type":-1,"id":${m.metadata.id}},"success":true}`;
}

/** Runs `fn` for about `ms` milliseconds (after a warm-up) and returns operations per second. */
function opsPerSecond(fn, ms) {
  const warmUntil = performance.now() + ms / 4;
  while (performance.now() < warmUntil) for (let i = 0; i < 100; i++) fn();
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 100; i++) fn();
    count += 100;
    now = performance.now();
  }
  return (count * 1000) / (now - start);
}

/** Runs the scenario; returns its rows. */
export function run({ quick }) {
  const rows = [];
  for (const [name, text] of [
    ['decode+reply, id 123456 (fast path)', small],
    ['decode+reply, id 2^63-1 (exact path)', large],
  ]) {
    let base = 0;
    let cand = 0;
    for (let round = 0; round < 3; round++) {
      base = Math.max(
        base,
        opsPerSecond(() => naive(text), quick ? 300 : 600),
      );
      cand = Math.max(
        cand,
        opsPerSecond(() => encodeGeneralResponse(-1, decodeAtMasterServer(text, never).metadata.id), quick ? 300 : 600),
      );
    }
    rows.push({ label: name, value: cand, unit: 'msg/s', baseline: base, ratio: cand / base, key: name });
  }
  return { rows, details: { baseline: 'JSON.parse + naive field check + template reply' } };
}
