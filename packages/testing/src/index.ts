/**
 * Test helpers shared by the packages: a raw WebSocket client that writes
 * exact bytes, a scripted game server, an HTTP client, UDP probes and polling.
 *
 * @module
 */

export { type Backend, FailoverProxy } from './failover-proxy.js';
export {
  type Received,
  registrationText,
  serverInfo,
  TestGameServer,
} from './game-server.js';
export { fetchRaw, postJson, type TestRequest, type TestResponse } from './http.js';
export { type MarkdownTable, markdownTable, markdownTables } from './markdown.js';
export {
  type CloseInfo,
  type ConnectOptions,
  encodeFrame,
  type Frame,
  type FrameOptions,
  HandshakeError,
  Opcode,
  RawWebSocket,
} from './raw-websocket.js';
export { freeUdpPorts, type ProbeOutcome, probeUdp } from './udp.js';
export { delay, waitFor } from './wait.js';
