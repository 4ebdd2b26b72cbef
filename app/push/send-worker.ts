/**
 * A push worker (a worker thread of the push sender's pool, send-pool.ts): encrypts payloads,
 * signs VAPID tokens and makes the HTTP requests to push services, so that none of that CPU
 * runs on the event loop serving GraphQL. It only sends: queueing, retries, deadlines and
 * subscription removal stay with the sender on the main thread.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { PushKeys } from './keys.ts';
import { PushRequester } from './request.ts';
import type { WorkerReply, WorkerRequest } from './send-pool.ts';

/** The worker thread's nice value (0 is the process's; 19 the lowest priority). */
const PUSH_WORKER_NICE = 10;

const port = parentPort;
if (!port) throw new Error('send-worker.ts runs as a worker thread of the push sender');
const { keys, timeoutMs } = workerData as { keys: PushKeys; timeoutMs: number };
const requester = new PushRequester(keys, timeoutMs);

/**
 * Push is background work: this thread asks the kernel for a lower priority (nice 10), so
 * that on a busy machine it yields the CPU to the thread answering clients rather than
 * preempting it. Linux applies setpriority to a thread id alone; elsewhere (or without the
 * permission) the thread keeps the process's priority.
 */
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid !== process.pid) setPriority(tid, PUSH_WORKER_NICE);
} catch {
  // Not Linux: same priority as the process.
}

let deaf = false;
port.on('message', (message: WorkerRequest) => {
  if (message.type === 'exit') process.exit(1); // the pool's test hook: a worker that dies
  if (message.type === 'deaf') {
    deaf = true; // the pool's test hook: a worker that is stuck
    return;
  }
  for (const { id, job } of message.jobs) {
    void requester.send(job).then((outcome) => {
      if (!deaf) port.postMessage({ id, outcome } satisfies WorkerReply);
    });
  }
});
