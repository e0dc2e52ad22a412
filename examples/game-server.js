// @ts-check
/**
 * A minimal game server on @masterserver/sdk: it binds its game port, gets
 * listed on a masterserver, answers the masterserver's reachability probe, lets
 * players join while it has room, and lets in over UDP only the players the
 * masterserver sent (they present their session token).
 *
 *   npm run build
 *   MS_URL=ws://127.0.0.1:8080/v2/server/ws MS_REG_TOKEN=<token> node examples/game-server.js
 *
 * A player joins with POST /v2/client/join on the masterserver, gets
 * {ip, port, sessionToken, conv}, and sends the token to the game:
 *
 *   echo -n <sessionToken> | nc -u -w1 127.0.0.1 37500
 */
import { answerProbes, bindGamePort, GameServerClient, JoinErrorType, rejectJoin } from '@masterserver/sdk';

// Not gs-sim's 37015 and up: the two can run side by side on one machine.
const PORT = Number(process.env.PORT ?? 37500);
const MAX_PLAYERS = 16;
/** @type {Map<string, string>} The players in the game: "ip:port" → username. */
const players = new Map();

const ms = new GameServerClient({
  url: process.env.MS_URL ?? 'ws://127.0.0.1:8080/v2/server/ws',
  regToken: process.env.MS_REG_TOKEN ?? '',
  info: {
    name: process.env.NAME ?? 'Example server',
    port: PORT,
    map: 'mp_box',
    playlist: 'tdm',
    maxPlayers: MAX_PLAYERS,
  },
  // The masterserver asks before it gives a player our address: say no when full.
  onJoin: ({ username }) =>
    players.size < MAX_PLAYERS
      ? { accept: true }
      : rejectJoin(JoinErrorType.SERVER_FULL, `Sorry ${username}, the server is full`),
});

ms.on('registered', () => console.log('listed on the masterserver'));
ms.on('registrationFailed', (error) => console.error(`not listed: ${error.msg} (error ${error.type})`));
ms.on('disconnected', ({ code, reason, reconnectIn }) => {
  if (reconnectIn !== undefined)
    console.warn(`masterserver connection closed (${code} ${reason}), retrying in ${reconnectIn} ms`);
});
// Another game server registered our address (4005), or we are banned (4011): retrying would not help.
ms.on('stopped', ({ message }) => {
  console.error(message);
  process.exit(1);
});

// The game port first: if another process has it, registering would take that server's listing.
const udp = await bindGamePort({ port: PORT }).catch((/** @type {Error} */ error) => {
  console.error(error.message);
  process.exit(1);
});

// The masterserver's probes are answered by the SDK; the rest is the game's own traffic: here one UDP
// datagram with the session token lets a player in, "bye" lets it out.
answerProbes(udp, (data, from) => {
  const key = `${from.address}:${from.port}`;
  const reply = (/** @type {string} */ text) => udp.send(`${text}\n`, from.port, from.address);
  const text = data.toString().trim();
  if (players.has(key)) {
    if (text === 'bye') {
      players.delete(key);
      ms.update({ curPlayers: players.size }, { now: true });
      reply('bye');
    }
    return;
  }
  const session = ms.consumeSession(text); // once per token, and only for a while after the join
  if (session === undefined) return reply('unknown or expired session');
  players.set(key, session.username);
  ms.update({ curPlayers: players.size }, { now: true });
  reply(`welcome, ${session.username} (conv ${session.conv})`);
});

console.log(`game server on udp/${PORT}`);
ms.start();

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, async () => {
    await ms.close(); // the masterserver delists us at once
    udp.close();
  });
}
