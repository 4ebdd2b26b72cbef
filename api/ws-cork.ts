import type { RecognizedString, WebSocket } from 'uWebSockets.js';

/**
 * Bytes one socket may hold in its queue before a send writes at once: a feed replay that
 * sends thousands of items in one turn is then paced by uWS's backpressure as without the
 * queue, instead of gathering all of them in memory first.
 */
export const CORK_QUEUE_BYTES = 16 * 1024;

type Send = WebSocket<unknown>['send'];

/** uWS's send results. */
const BACKPRESSURE = 0;
const SUCCESS = 1;
const DROPPED = 2;

interface Queue {
  frames: RecognizedString[];
  bytes: number;
}

const byteLength = (frame: RecognizedString) =>
  typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;

/**
 * Writes the frames a socket is sent in one turn of the event loop in one system call
 * (issue 16). A mutation over graphql-ws sends `next`, then `complete`, and its sender's own
 * feed item — three writes of a few hundred bytes, each a loopback write and the kernel's TCP
 * path, from promise continuations outside any uWS callback (where uWS corks by itself).
 *
 * `send` queues the frame and the queue goes out inside `ws.cork()` once the current turn's
 * callbacks and promise continuations have run (setImmediate). Backpressure keeps its meaning
 * for graphql-ws, which waits for `drain` when a send returns 0: a socket that uWS already
 * holds unsent bytes for, or whose queue is full, writes its queue at once and returns what
 * uWS's own send returned for the last frame — so a consumer that stops reading is seen,
 * buffered for and closed exactly as without the queue. (A queue that reported success
 * regardless was tried and taken back: graphql-ws never waited, docs/decisions.md.)
 * `end` writes the queue first; `close` (no close frame) drops it, as it drops uWS's buffer.
 */
export class CorkedSends {
  private readonly queues = new Map<WebSocket<unknown>, Queue>();
  /** uWS's own `send` of each attached socket. */
  private readonly senders = new Map<WebSocket<unknown>, Send>();
  private scheduled = false;

  /** Replaces the socket's `send` and `end` with queued ones; call `forget` on close. */
  attach(ws: WebSocket<unknown>): void {
    const send: Send = ws.send.bind(ws);
    const end = ws.end.bind(ws);
    this.senders.set(ws, send);
    ws.send = (message, isBinary, compress) => {
      if (isBinary || compress) {
        const status = this.flush(ws, send);
        return status === DROPPED ? status : send(message, isBinary, compress);
      }
      let queue = this.queues.get(ws);
      if (!queue) {
        queue = { frames: [], bytes: 0 };
        this.queues.set(ws, queue);
      }
      queue.frames.push(message);
      queue.bytes += byteLength(message);
      if (queue.bytes > CORK_QUEUE_BYTES || ws.getBufferedAmount() > 0) return this.flush(ws, send);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flushAll());
      }
      return SUCCESS;
    };
    ws.end = (code, shortMessage) => {
      if (this.flush(ws, send) !== DROPPED) end(code, shortMessage);
    };
  }

  /** The socket closed: its queue is dropped (uWS refuses any use of a closed socket). */
  forget(ws: WebSocket<unknown>): void {
    this.queues.delete(ws);
    this.senders.delete(ws);
  }

  private flushAll(): void {
    this.scheduled = false;
    for (const ws of [...this.queues.keys()]) {
      const send = this.senders.get(ws);
      if (send) this.flush(ws, send);
      else this.queues.delete(ws);
    }
  }

  /**
   * Writes the socket's queue in one corked block and returns uWS's status as its `send`
   * would for the last frame: inside a cork uWS's send reports success and the write happens
   * when the block ends, so backpressure is read from the buffered amount afterwards. After a
   * DROPPED uWS has closed the socket (closeOnBackpressureLimit): nothing more is touched.
   */
  private flush(ws: WebSocket<unknown>, send: Send): number {
    const queue = this.queues.get(ws);
    if (!queue) return SUCCESS;
    this.queues.delete(ws);
    if (queue.frames.length === 1) return send(queue.frames[0]!);
    let status = SUCCESS;
    ws.cork(() => {
      for (const frame of queue.frames) {
        status = send(frame);
        if (status === DROPPED) return;
      }
    });
    if (status === DROPPED) return status;
    return ws.getBufferedAmount() > 0 ? BACKPRESSURE : SUCCESS;
  }
}
