import { createRequire } from 'node:module';

/**
 * Which uWebSockets.js build this process loads, chosen by the running Node's ABI
 * (`process.versions.modules`), because no one registry build covers every Node we run on:
 *
 * - `uWebSockets.js` (an alias of `@trufflesuite/uws-js-unofficial` 20.30) ships native
 *   binaries for ABI 93/108/115 (Node 16/18/20) and needs no recent glibc: development and
 *   CI on Debian 12 (glibc 2.36) run Node 20 with it.
 * - `@btc-vision/uwebsockets.js` 20.57 ships ABI 115/127/137/141 (Node 20/22/24/25) but is
 *   linked against glibc 2.38: the production image (Node 24 on Debian 13) runs it.
 *
 * So Node 20 loads the first and any newer Node the second. The pair moves together: a new
 * Node major needs a build whose file list has its ABI (`uws_linux_x64_<abi>.node`), and the
 * image's base must have the glibc that build needs (docs/operations.md, "Node and
 * uWebSockets.js"). Both expose the same API for what this server uses; the types come from
 * the first. `requireNativeUws` (listen.ts) still refuses a JavaScript fallback.
 */
export const UWS_PACKAGE = ['93', '108', '115'].includes(process.versions.modules)
  ? 'uWebSockets.js'
  : '@btc-vision/uwebsockets.js';

const uWS: typeof import('uWebSockets.js') = createRequire(import.meta.url)(UWS_PACKAGE);
export default uWS;
