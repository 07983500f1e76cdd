// Phase timings for the benchmark: off unless PORTALFORM_TIMINGS names a file, which receives
// `{ "phases": { name: ms }, "counts": { name: n } }` when the process exits. Costs nothing when off.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const sink = process.env.PORTALFORM_TIMINGS;
const phases: Record<string, number> = {};
const counts: Record<string, number> = {};

export const timingEnabled = Boolean(sink);

if (sink) {
  process.on('exit', () => {
    try {
      writeFileSync(sink, JSON.stringify({ phases, counts }) + '\n');
    } catch {
      // best effort: timings never fail a run
    }
  });
}

/** Adds the time `fn` takes (sync or async) to phase `name`. */
export function timed<T>(name: string, fn: () => T): T {
  if (!sink) return fn();
  const start = performance.now();
  const result = fn();
  if (result instanceof Promise) {
    return result.finally(() => {
      phases[name] = (phases[name] ?? 0) + performance.now() - start;
    }) as T;
  }
  phases[name] = (phases[name] ?? 0) + performance.now() - start;
  return result;
}

export function count(name: string, n = 1): void {
  if (sink) counts[name] = (counts[name] ?? 0) + n;
}
