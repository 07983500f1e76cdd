// Parses many files on worker threads, one per core, and a large file in chunks of its developers
// (see split.ts) on the same workers. Small loads, a single small file and runs from the
// TypeScript sources (tests) parse on the main thread instead: a worker costs its start-up.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import {
  acceptParsedFile,
  handleParseRequest,
  parseFromPreviousVersion,
  type FastJob,
  type ParseReply,
  type ParseRequest,
} from './check-file.js';
import { decodeManifestText } from '../parse.js';
import type { CheckedDocument } from './checked.js';
import { ITEMS_PER_CHUNK, splitDevelopers, stitchDocument, type ChunkResult } from './split.js';

/** Below this many bytes to parse, workers would cost more than they save. */
const MIN_PARALLEL_BYTES = 2 * 1024 * 1024;
const MAX_WORKERS = 8;

export interface SplitOptions {
  /** A file this large is parsed in chunks when its shape allows. */
  minBytes: number;
  itemsPerChunk: number;
}

const SPLIT_DEFAULTS: SplitOptions = { minBytes: 4 * 1024 * 1024, itemsPerChunk: ITEMS_PER_CHUNK };

const WORKER_FILE = fileURLToPath(new URL('./parse-worker.js', import.meta.url));

export async function parseValidFiles(
  jobs: FastJob[],
  split: SplitOptions = SPLIT_DEFAULTS,
): Promise<Array<CheckedDocument[] | null>> {
  const results = new Array<CheckedDocument[] | null | undefined>(jobs.length).fill(undefined);
  const texts: Array<string | undefined> = [];
  for (const [i, job] of jobs.entries()) {
    if (job.bytes.length < split.minBytes) continue;
    const decoded = decodeManifestText(job.path, job.bytes);
    if (!('text' in decoded)) results[i] = null;
    // A large file whose previous version is cached parses only its changed entries, here.
    else if ((results[i] = parseFromPreviousVersion(job, decoded.text)) === undefined) texts[i] = decoded.text;
  }
  const large = jobs.flatMap((_, i) => (texts[i] === undefined ? [] : [i]));
  if (large.length > 0) {
    const pool = startPool(
      large.map((i) => jobs[i]!),
      Infinity,
    );
    try {
      for (const i of large) results[i] = await parseSplitFile(jobs[i]!, texts[i]!, pool, split.itemsPerChunk);
    } finally {
      await pool.close();
    }
  }
  // Files parsed whole (a large one that does not split among them), largest first so that no
  // worker is left with a big file at the end.
  const whole = jobs.map((_, i) => i).filter((i) => results[i] === undefined);
  whole.sort((a, b) => jobs[b]!.bytes.length - jobs[a]!.bytes.length);
  const pool = startPool(
    whole.map((i) => jobs[i]!),
    whole.length,
  );
  try {
    await Promise.all(
      whole.map(async (i) => (results[i] = (await pool.run({ file: jobs[i]! })) as CheckedDocument[] | null)),
    );
  } finally {
    await pool.close();
  }
  return results.map((r) => r ?? null);
}

/** Workers for `tasks` parse requests over these files, or none when they would not pay. */
function startPool(jobs: FastJob[], tasks: number): ParsePool {
  const bytes = jobs.reduce((n, job) => n + job.bytes.length, 0);
  const threads = Math.min(availableParallelism(), tasks, MAX_WORKERS);
  const useWorkers =
    threads >= 2 && bytes >= MIN_PARALLEL_BYTES && WORKER_FILE.endsWith('.js') && existsSync(WORKER_FILE);
  return new ParsePool(useWorkers ? threads : 0);
}

/**
 * A large file parsed in chunks: its documents, null when it has any diagnostic (the full path
 * reports it), undefined when its shape does not split (parse it whole).
 */
async function parseSplitFile(
  job: FastJob,
  text: string,
  pool: ParsePool,
  itemsPerChunk: number,
): Promise<CheckedDocument[] | null | undefined> {
  const split = splitDevelopers(text, itemsPerChunk);
  if (!split) return undefined;
  const replies = await Promise.all(
    split.chunks.map(({ start, end, items }) =>
      pool.run({ chunk: { text: text.slice(start, end), base: start, items } }),
    ),
  );
  const chunks = replies as Array<ChunkResult | 'refused' | null>;
  if (chunks.includes('refused')) return undefined;
  if (chunks.includes(null)) return null;
  const doc = stitchDocument(job.path, text, split, chunks as ChunkResult[]);
  return doc && acceptParsedFile(job, text, [doc]);
}

interface Task {
  request: ParseRequest;
  resolve: (reply: ParseReply) => void;
}

/** Worker threads taking requests in turn; with no workers, requests run at once on this thread. */
class ParsePool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private readonly workers: Worker[];
  private alive: number;

  constructor(threads: number) {
    // node:worker_threads is loaded only for a load that uses workers: most parse on this thread, or read the cache.
    const WorkerThread =
      threads > 0
        ? (createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')).Worker
        : undefined;
    this.workers = Array.from({ length: threads }, () => new WorkerThread!(WORKER_FILE));
    this.alive = threads;
    for (const worker of this.workers) {
      worker.on('message', (reply: ParseReply) => this.finished(worker, reply));
      worker.on('error', () => this.retire(worker)); // its request answers null: the main thread takes the full path
      this.idle.push(worker);
    }
  }

  run(request: ParseRequest): Promise<ParseReply> {
    if (this.workers.length === 0) return Promise.resolve(handleParseRequest(request));
    if (this.alive === 0) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.queue.push({ request, resolve });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.postMessage(task.request);
    }
  }

  private finished(worker: Worker, reply: ParseReply): void {
    const task = this.busy.get(worker);
    this.busy.delete(worker);
    this.idle.push(worker);
    task?.resolve(reply);
    this.dispatch();
  }

  private retire(worker: Worker): void {
    this.alive--;
    this.busy.get(worker)?.resolve(null);
    this.busy.delete(worker);
    const idle = this.idle.indexOf(worker);
    if (idle >= 0) this.idle.splice(idle, 1);
    if (this.alive === 0) for (const task of this.queue.splice(0)) task.resolve(null);
  }
}
