// The registration decode path: parse + validate, against JSON.parse plus the
// cheapest hand-written field check (which is not exact for ids above 2^53).
import { decodeAtMasterServer, encodeGeneralResponse } from '@masterserver/protocol';
import { compare, report } from './lib.js';

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

export function run() {
  for (const [name, text] of [
    ['decode+reply, id 123456 (fast path)', small],
    ['decode+reply, id 2^63-1 (exact path)', large],
  ]) {
    const { base, cand } = compare(
      () => naive(text),
      () => {
        const m = decodeAtMasterServer(text, never);
        return encodeGeneralResponse(-1, m.metadata.id);
      },
    );
    report(name, 'JSON.parse+naive check', base, cand, 'msg/s');
  }
}
