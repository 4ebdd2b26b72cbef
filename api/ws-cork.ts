import type { RecognizedString, WebSocket } from 'uWebSockets.js';

/**
 * Makes the frames one socket is sent within one turn of the event loop go out corked, in one
 * write system call, instead of one call each. A message sent over the socket costs its
 * sender three frames (the mutation's `next` and `complete`, and the sender's own feed item),
 * all written in the turn that committed it; each uWS `send` outside a cork is a write of its
 * own, on loopback the largest single cost of delivering a message (docs/benchmarks.md).
 *
 * The frames are queued and written, in order, when the turn ends (`setImmediate`), so the
 * sender's `await send()` no longer waits for uWS's buffer to drain: the socket's limit
 * (`maxBackpressure` with `closeOnBackpressureLimit`) still closes a client that does not
 * read, which is the policy anyway. A socket that closed meanwhile drops the queue (`isOpen`):
 * uWS throws on any use of a closed socket.
 */
export function corkPerTurn(ws: WebSocket<unknown>, isOpen: () => boolean): void {
  const send = ws.send.bind(ws);
  let queue: { message: RecognizedString; isBinary?: boolean; compress?: boolean }[] | null = null;
  const flush = () => {
    const frames = queue ?? [];
    queue = null;
    if (!isOpen()) return;
    ws.cork(() => {
      for (const f of frames) send(f.message, f.isBinary, f.compress);
    });
  };
  ws.send = (message, isBinary, compress) => {
    if (queue === null) {
      queue = [];
      setImmediate(flush);
    }
    queue.push({ message, isBinary, compress });
    return 1; // "sent": the write happens at the end of the turn
  };
}
