// A parse worker: receives files or chunks of a large file, answers with what it parsed (or null:
// take the full path).
import { parentPort } from 'node:worker_threads';
import { handleParseRequest, type ParseReply, type ParseRequest } from './fastload.js';

parentPort!.on('message', (request: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = handleParseRequest(request);
  } catch {
    reply = null; // the main thread's full path reports whatever went wrong
  }
  parentPort!.postMessage(reply);
});
