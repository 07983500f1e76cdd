// A parse worker: receives files, answers with their values (or null: take the full path).
import { parentPort } from 'node:worker_threads';
import { parseValidFile, type FastJob } from './fastload.js';

parentPort!.on('message', (message: { id: number; job: FastJob }) => {
  let values: unknown[] | null;
  try {
    values = parseValidFile(message.job);
  } catch {
    values = null; // the main thread's full path reports whatever went wrong
  }
  parentPort!.postMessage({ id: message.id, values });
});
