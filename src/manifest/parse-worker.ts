// A parse worker: receives files, answers with their parsed documents (or null: take the full path).
import { parentPort } from 'node:worker_threads';
import { parseValidFile, type FastJob } from './fastload.js';
import type { ParsedDocument } from './parse.js';

parentPort!.on('message', (message: { id: number; job: FastJob }) => {
  let documents: ParsedDocument[] | null;
  try {
    documents = parseValidFile(message.job);
  } catch {
    documents = null; // the main thread's full path reports whatever went wrong
  }
  parentPort!.postMessage({ id: message.id, documents });
});
