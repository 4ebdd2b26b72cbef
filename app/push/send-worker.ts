/**
 * A push worker (a worker thread of the push sender's pool, send-pool.ts): encrypts payloads,
 * signs VAPID tokens and makes the HTTP requests to push services, so that none of that CPU
 * runs on the event loop serving GraphQL. It only sends: queueing, retries, deadlines and
 * subscription removal stay with the sender on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PushKeys } from './keys.ts';
import { PushRequester, type PushRequestJob } from './request.ts';
import type { WorkerReply, WorkerRequest } from './send-pool.ts';

const port = parentPort;
if (!port) throw new Error('send-worker.ts runs as a worker thread of the push sender');
const { keys, timeoutMs } = workerData as { keys: PushKeys; timeoutMs: number };
const requester = new PushRequester(keys, timeoutMs);

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'exit') process.exit(1); // the pool's test hook: a worker that dies
  const job: PushRequestJob = message.job;
  void requester.send(job).then((outcome) => {
    port.postMessage({ id: message.id, outcome } satisfies WorkerReply);
  });
});
