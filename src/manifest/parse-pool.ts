// Parses many files on worker threads, one per core. Small loads, a single file and runs from the
// TypeScript sources (tests) parse on the main thread instead: a worker costs its start-up.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseValidFile, type FastJob } from './fastload.js';
import type { ParsedDocument } from './parse.js';

/** Below this many bytes to parse, workers would cost more than they save. */
const MIN_PARALLEL_BYTES = 2 * 1024 * 1024;
const MAX_WORKERS = 8;

const WORKER_FILE = fileURLToPath(new URL('./parse-worker.js', import.meta.url));

export async function parseValidFiles(jobs: FastJob[]): Promise<Array<ParsedDocument[] | null>> {
  const bytes = jobs.reduce((n, job) => n + job.bytes.length, 0);
  const threads = Math.min(availableParallelism(), jobs.length, MAX_WORKERS);
  if (threads < 2 || bytes < MIN_PARALLEL_BYTES || !WORKER_FILE.endsWith('.js') || !existsSync(WORKER_FILE)) {
    return jobs.map(parseValidFile);
  }
  const results = new Array<ParsedDocument[] | null>(jobs.length).fill(null);
  // Largest first, so no worker is left with a big file at the end.
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.bytes.length - jobs[a]!.bytes.length);
  let next = 0;
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_FILE));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const send = () => {
              if (next >= order.length) return resolve();
              const id = order[next++]!;
              worker.postMessage({ id, job: jobs[id] });
            };
            worker.on('message', (message: { id: number; documents: ParsedDocument[] | null }) => {
              results[message.id] = message.documents;
              send();
            });
            worker.on('error', () => resolve()); // its files stay null: the main thread parses them
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results;
}
