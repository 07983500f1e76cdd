// A parse worker: receives files or chunks of a large file, answers with what it parsed (or null:
// take the full path).
import { parentPort } from 'node:worker_threads';
import { handleParseRequest, type ParseReply, type ParseRequest } from './check-file.js';
import { UNKNOWN_POSITIONS, type CheckedDocument } from './checked.js';

parentPort!.on('message', (request: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = handleParseRequest(request);
  } catch {
    reply = null; // the main thread's full path reports whatever went wrong
  }
  parentPort!.postMessage(Array.isArray(reply) ? reply.map(withoutPositions) : reply);
});

/**
 * A whole file's documents go back without their positions: the main thread keeps none of a fresh
 * parse's positions (it reads them again only for a message), and copying them between threads
 * would be a large share of the parse. (A chunk's positions are needed to stitch its file.)
 */
function withoutPositions(doc: CheckedDocument): CheckedDocument {
  return { value: doc.value, summary: doc.summary, positions: UNKNOWN_POSITIONS, lineStarts: [] };
}
