/**
 * The benchmarks' GraphQL-over-HTTP client: POSTs over one keep-alive agent (at most
 * `maxSockets` requests in flight), so a load step measures the server, not connection setup.
 */
import http from 'node:http';
import { describeError } from './ws-session.ts';

/** GraphQL POSTs to one server as given identities (bearer tokens). */
export class HttpSession {
  readonly agent: http.Agent;

  constructor(
    readonly port: number,
    maxSockets: number,
  ) {
    this.agent = new http.Agent({
      keepAlive: true,
      maxSockets,
      maxFreeSockets: maxSockets,
      scheduling: 'fifo',
    });
  }

  /**
   * One POST: resolves with `data`, rejects with `HTTP <status> <error>` or `network <code>`.
   * A kept-alive socket that the server closed just as it was reused (ECONNRESET, EPIPE) is
   * retried once, on a fresh socket, and `onRetry` is told.
   */
  post(
    token: string,
    query: string,
    variables: Record<string, unknown>,
    onRetry: () => void = () => {},
    retried = false,
  ): Promise<any> {
    const body = JSON.stringify({ query, variables });
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: '127.0.0.1',
          port: this.port,
          path: '/graphql',
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${token}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            try {
              const r = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              if (r.errors) reject(new Error(`HTTP ${res.statusCode} ${describeError(r.errors[0])}`));
              else resolve(r.data);
            } catch {
              reject(new Error(`HTTP ${res.statusCode} unparsable`));
            }
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        const closedOnReuse = error.code === 'ECONNRESET' || error.code === 'EPIPE';
        if (!retried && req.reusedSocket && closedOnReuse) {
          onRetry();
          this.post(token, query, variables, onRetry, true).then(resolve, reject);
        } else reject(new Error(`network ${error.code ?? error.message}`));
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
