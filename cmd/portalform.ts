#!/usr/bin/env node
import { main } from '../src/cli/program.js';

await main(process.argv);
