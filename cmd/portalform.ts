#!/usr/bin/env node
import { main } from '../src/cli/program.js';

// (Young-generation sizes cannot be changed here: V8 fixes them when the heap is set up, before
// this runs, and `v8.setFlagsFromString('--max-semi-space-size=…')` is silently ignored —
// `--trace-gc` shows the same number of scavenges with and without it.)
await main(process.argv);
