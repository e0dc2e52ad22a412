#!/usr/bin/env node
import { main } from '../dist/src/cli/main.js';

const status = await main(process.argv.slice(2), process.env);
process.exitCode = status;
// A finished command exits even if a handle (say, a stuck client socket) is still open.
setTimeout(() => process.exit(status), 100).unref();
