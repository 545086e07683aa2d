#!/usr/bin/env node
import { main } from '../dist/index.js';

// Exit once the command is done: a stopped worker has nothing left to do, whatever a library left open.
process.exit(await main(process.argv.slice(2)));
