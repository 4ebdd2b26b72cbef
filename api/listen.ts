import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import uWS from './uws.ts';

/**
 * `listen(host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, cb)`: without the flag uWS shares a taken
 * port silently (SO_REUSEPORT). The typings of this build lack the four-argument form.
 */
const EXCLUSIVE = (uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;

/** Fails loudly when uWS loaded its slow JavaScript fallback instead of the native build. */
export function requireNativeUws(): void {
  if (!('LIBUS_LISTEN_EXCLUSIVE_PORT' in uWS)) {
    throw new Error(
      'uWebSockets.js loaded its slow JavaScript fallback, not the native build: refusing to start',
    );
  }
}

/** Listens on `host:port` exclusively; resolves to the listen socket and the port taken. */
export function listenExclusive(
  app: TemplatedApp,
  host: string,
  port: number,
): Promise<{ socket: us_listen_socket; port: number }> {
  return new Promise((resolve, reject) => {
    (
      app.listen as unknown as (
        h: string,
        p: number,
        o: number,
        c: (s: us_listen_socket | false) => void,
      ) => void
    )(host, port, EXCLUSIVE, (socket) => {
      if (!socket) reject(new Error(`cannot listen on ${host}:${port} (in use, or not permitted)`));
      else resolve({ socket, port: uWS.us_socket_local_port(socket) });
    });
  });
}
