// Phase timings for the benchmark: off unless PORTALFORM_TIMINGS names a file, which receives
// `{ "phases": { name: ms }, "counts": { name: n } }` when the process exits. Costs nothing when off.
import { writeFileSync } from 'node:fs';

const sink = process.env.PORTALFORM_TIMINGS;
/** The global `performance` loads node:perf_hooks on first use, so only when timings are on; importing it would load it at every start. */
const now = () => performance.now();
const phases: Record<string, number> = {};
const counts: Record<string, number> = {};
/** Resident set size at the end of each phase, MiB: where a peak comes from. */
const rssAfter: Record<string, number> = {};

export const timingEnabled = Boolean(sink);
/** Phases running now, and the highest RSS sampled with the phases it was sampled in. */
const active = new Set<string>();
const peak = { rssMiB: 0, during: '' };

if (sink) {
  const sample = () => {
    const rss = Math.round(process.memoryUsage.rss() / 1048576);
    if (rss > peak.rssMiB) Object.assign(peak, { rssMiB: rss, during: [...active].join(' > ') });
  };
  setInterval(sample, 50).unref();
  process.on('exit', () => {
    sample();
    try {
      writeFileSync(sink, `${JSON.stringify({ phases, counts, rssAfter, peak })}\n`);
    } catch {
      // best effort: timings never fail a run
    }
  });
}

/** Adds the time `fn` takes (sync or async) to phase `name`. */
export function timed<T>(name: string, fn: () => T): T {
  if (!sink) return fn();
  const start = now();
  active.add(name);
  const result = fn();
  if (result instanceof Promise) {
    return result.finally(() => done(name, start)) as T;
  }
  done(name, start);
  return result;
}

function done(name: string, start: number): void {
  active.delete(name);
  phases[name] = (phases[name] ?? 0) + now() - start;
  rssAfter[name] = Math.max(rssAfter[name] ?? 0, Math.round(process.memoryUsage.rss() / 1048576));
}

export function count(name: string, n = 1): void {
  if (sink) counts[name] = (counts[name] ?? 0) + n;
}
