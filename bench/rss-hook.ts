// Loaded with `node --import` into every measured process: records its peak resident set size
// (process.resourceUsage().maxRSS, in KiB, worker threads included) in the file named by
// PORTALFORM_BENCH_RSS when the process exits. Works wherever Node does, unlike /usr/bin/time.
import { writeFileSync } from 'node:fs';

const out = process.env.PORTALFORM_BENCH_RSS;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
