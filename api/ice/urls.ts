/** ICE server URLs (RFC 7064 `stun:`/`stuns:`, RFC 7065 `turn:`/`turns:`) as the probes read them. */

import net from 'node:net';

export type IceScheme = 'stun' | 'stuns' | 'turn' | 'turns';
export type IceTransport = 'udp' | 'tcp' | 'tls' | 'dtls';

export interface IceUrl {
  scheme: IceScheme;
  /** Host name or IP address, without brackets. */
  host: string;
  port: number;
  transport: IceTransport;
}

const DEFAULT_PORT: Record<IceScheme, number> = { stun: 3478, turn: 3478, stuns: 5349, turns: 5349 };

export class IceUrlError extends Error {}

/** Parses `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]`, `[v6]` hosts, `stuns:`/`turns:`. */
export function parseIceUrl(url: string): IceUrl {
  const m = /^(stuns?|turns?):(?:\/\/)?([^?#]*)(?:\?([^#]*))?$/i.exec(url.trim());
  if (!m) throw new IceUrlError(`not a stun:, stuns:, turn: or turns: URL: "${url}"`);
  const scheme = m[1]!.toLowerCase() as IceScheme;
  const authority = m[2]!;
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) throw new IceUrlError(`unterminated IPv6 literal in "${url}"`);
    host = authority.slice(1, end);
    const rest = authority.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':'))
      throw new IceUrlError(`unexpected "${rest}" after host in "${url}"`);
    portText = rest ? rest.slice(1) : undefined;
    if (net.isIPv6(host) === false) throw new IceUrlError(`"${host}" is not an IPv6 address in "${url}"`);
  } else {
    const parts = authority.split(':');
    if (parts.length > 2) throw new IceUrlError(`IPv6 addresses must be in brackets: "${url}"`);
    host = parts[0]!;
    portText = parts[1];
  }
  if (!host || /[\s/@]/.test(host)) throw new IceUrlError(`missing or invalid host in "${url}"`);
  let port = DEFAULT_PORT[scheme];
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw new IceUrlError(`invalid port "${portText}" in "${url}"`);
    }
    port = Number(portText);
  }
  const query = new URLSearchParams(m[3] ?? '');
  const requested = query.get('transport')?.toLowerCase();
  if (requested !== undefined && requested !== 'udp' && requested !== 'tcp') {
    throw new IceUrlError(`unknown transport "${requested}" in "${url}"`);
  }
  if (requested !== undefined && (scheme === 'stun' || scheme === 'stuns')) {
    throw new IceUrlError(`${scheme}: URLs take no transport parameter: "${url}"`);
  }
  let transport: IceTransport;
  if (scheme === 'stun') transport = 'udp';
  else if (scheme === 'stuns') transport = 'tls';
  else if (scheme === 'turn') transport = requested === 'tcp' ? 'tcp' : 'udp';
  else transport = requested === 'udp' ? 'dtls' : 'tls';
  return { scheme, host, port, transport };
}
