import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { type Operator, operatorRole } from '../../app/audit/access.ts';
import type { Services } from '../../app/services.ts';
import { DomainError } from '../../events/shared/errors.ts';
import type { RecordedEvent } from '../../events/store/types.ts';
import { requestIdFrom } from './request-id.ts';
import { sendJson } from './respond.ts';

type Route = (res: HttpResponse, req: HttpRequest) => void;

/**
 * The operator's HTTP routes (the GraphQL audit fields are the rest):
 *   GET  /api/admin/export?from=&to=&stream=   NDJSON, streamed with backpressure
 *   GET  /api/admin/checkpoint                 the last signed checkpoint (admin or audit token)
 *   POST /api/admin/checkpoint                 sign the head and record it (admin token)
 * The token travels in `x-admin-token`: a custom header, so a cross-site form or link
 * cannot make a browser send it (no CSRF), and it never lands in a URL or a log line.
 */
export function adminRoutes(services: Services) {
  return {
    export: exportRoute(services),
    checkpoint: checkpointRoute(services, false),
    recordCheckpoint: checkpointRoute(services, true),
  };
}

/** The operator named by the request's token, or the refusal already sent. */
function operatorOf(
  res: HttpResponse,
  req: HttpRequest,
  services: Services,
  need: 'read' | 'admin',
): Operator | null {
  const token = req.getHeader('x-admin-token');
  const role = operatorRole(token, services);
  if (!role) {
    if (token) sendJson(res, '403 Forbidden', { error: 'not an operator token' });
    else sendJson(res, '401 Unauthorized', { error: 'send the admin or audit token in x-admin-token' });
    return null;
  }
  if (need === 'admin' && role !== 'admin') {
    sendJson(res, '403 Forbidden', { error: 'this needs the admin token' });
    return null;
  }
  return { role, requestId: requestIdFrom(req.getHeader('x-request-id') || undefined) };
}

/** `from`/`to` as whole numbers, `stream` as text; anything else is a 400 with the reason. */
export function exportRange(query: string): {
  from: number;
  to: number | undefined;
  stream: string | undefined;
} {
  const params = new URLSearchParams(query);
  for (const key of params.keys()) {
    if (!['from', 'to', 'stream'].includes(key))
      throw new DomainError('BAD_INPUT', `unknown parameter ${key}`);
    if (params.getAll(key).length > 1) throw new DomainError('BAD_INPUT', `${key} given twice`);
  }
  const num = (name: string): number | undefined => {
    const v = params.get(name);
    if (v === null || v === '') return undefined;
    if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v)))
      throw new DomainError('BAD_INPUT', `${name} must be a whole number >= 0`);
    return Number(v);
  };
  const from = num('from') ?? 0;
  const to = num('to');
  if (to !== undefined && to < from) throw new DomainError('BAD_INPUT', 'to must not be before from');
  const stream = params.get('stream') || undefined;
  if (stream !== undefined && stream.length > 200)
    throw new DomainError('BAD_INPUT', 'stream is at most 200 characters');
  return { from, to, stream };
}

/** One NDJSON line per event: the recorded fields, `time` as ISO 8601 (docs/audit.md). */
export const exportLine = (e: RecordedEvent) => `${JSON.stringify(e)}\n`;

function exportRoute(services: Services): Route {
  return (res, req) => {
    const query = req.getQuery() ?? '';
    const op = operatorOf(res, req, services, 'read');
    if (!op) return;
    let range: ReturnType<typeof exportRange>;
    try {
      range = exportRange(query);
    } catch (error) {
      sendJson(res, '400 Bad Request', { error: (error as Error).message });
      return;
    }
    let aborted = false;
    let wake: (() => void) | null = null;
    res.onAborted(() => {
      aborted = true;
      wake?.();
    });
    // Writes a chunk; when uWS reports backpressure (the client reads slower than the log is
    // read), waits for onWritable before the next page is even fetched, so a slow client
    // holds at most one page in memory however long the export.
    const write = async (chunk: string) => {
      let ok = false;
      res.cork(() => {
        ok = res.write(chunk);
      });
      if (ok || aborted) return;
      await new Promise<void>((resolve) => {
        // uWS calls this from native code without running the microtask queue afterwards:
        // resolving here directly left the export waiting until some other event came by.
        wake = () => setImmediate(resolve);
        res.onWritable(() => {
          wake?.();
          return true;
        });
      });
      wake = null;
    };
    void (async () => {
      const pages = services.audit.exportRows(op, range);
      let started = false;
      try {
        for (;;) {
          const next = await pages.next();
          if (aborted) break;
          if (!started) {
            started = true;
            res.cork(() => {
              res
                .writeStatus('200 OK')
                .writeHeader('content-type', 'application/x-ndjson; charset=utf-8')
                .writeHeader('content-disposition', 'attachment; filename="callvault-export.ndjson"')
                .writeHeader('cache-control', 'no-store')
                .writeHeader('x-request-id', op.requestId);
            });
          }
          if (next.done) break;
          let chunk = '';
          for (const e of next.value) chunk += exportLine(e);
          await write(chunk);
          if (aborted) break;
        }
        if (!aborted) res.cork(() => res.end());
      } catch (error) {
        await pages.return(undefined).catch(() => {});
        if (aborted) return;
        if (!started) {
          const bad = error instanceof DomainError;
          sendJson(res, bad ? '400 Bad Request' : '500 Internal Server Error', {
            error: bad ? error.message : 'internal error',
          });
        } else res.close(); // mid-stream: cut the response so the client sees it incomplete
      } finally {
        if (aborted) await pages.return(undefined).catch(() => {});
      }
    })();
  };
}

function checkpointRoute(services: Services, record: boolean): Route {
  return (res, req) => {
    const op = operatorOf(res, req, services, record ? 'admin' : 'read');
    if (!op) return;
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const work = record ? services.audit.checkpoint(op) : services.audit.latestCheckpoint(op);
    work.then(
      (c) => {
        if (aborted) return;
        if (c) sendJson(res, record ? '201 Created' : '200 OK', c);
        else sendJson(res, '404 Not Found', { error: 'no checkpoint recorded yet' });
      },
      (error: unknown) => {
        if (aborted) return;
        if (error instanceof DomainError)
          sendJson(res, error.code === 'CONFLICT' ? '409 Conflict' : '403 Forbidden', {
            error: error.message,
          });
        else sendJson(res, '500 Internal Server Error', { error: 'internal error' });
      },
    );
  };
}
