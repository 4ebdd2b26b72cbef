import type { HttpResponse } from 'uWebSockets.js';

/** Writes a JSON response in one corked batch (uWS sends it in one syscall). */
export function sendJson(
  res: HttpResponse,
  status: string,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('content-type', 'application/json');
    for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
    res.end(JSON.stringify(body));
  });
}

/**
 * Runs async work for a uWS response. uWS needs `onAborted` before any await, and the
 * response must not be touched after an abort.
 */
export function respondAsync(
  res: HttpResponse,
  work: () => Promise<{ status: string; body: unknown; type?: string }>,
  /** A HEAD request: the same status and type, no body. */
  head = false,
) {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  work().then(
    ({ status, body, type }) => {
      if (aborted) return;
      if (head) {
        // No Content-Length: uWS closes a kept-alive connection after endWithoutBody(length),
        // waiting for a body that never comes (the next request on it went unanswered).
        res.cork(() => {
          res
            .writeStatus(status)
            .writeHeader('content-type', type ?? 'application/json')
            .endWithoutBody();
        });
      } else if (type) {
        res.cork(() => {
          res.writeStatus(status).writeHeader('content-type', type).end(String(body));
        });
      } else sendJson(res, status, body);
    },
    () => {
      if (!aborted) sendJson(res, '500 Internal Server Error', { ok: false, error: 'internal error' });
    },
  );
}
