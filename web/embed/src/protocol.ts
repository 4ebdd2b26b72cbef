/**
 * The postMessage protocol between a host page's `<cv-*>` element and the CallVault frame it
 * renders (docs/embedding.md, "Protocol"). Version 1. Both sides validate every message on
 * receipt with `parseMessage` and drop what does not fit; both post with an explicit target
 * origin, never `'*'`. This file is shared by the host library and the frame, and imports
 * nothing.
 */

export const PROTOCOL_VERSION = 1;

/** Commands the host sends; each gets one `result` back with the same id. */
export type CommandType = 'call' | 'hangUp' | 'setTheme' | 'signOut' | 'handover' | 'open' | 'close';

/** Events the frame sends on its own. */
export type EventType =
  | 'ready'
  | 'signed-in'
  | 'signed-out'
  | 'message'
  | 'unread-changed'
  | 'call-state'
  | 'error'
  | 'resize'
  | 'verified'
  | 'storage-access';

export type CallMedia = 'audio' | 'video';
export type CallPhase =
  | 'idle'
  | 'calling'
  | 'ringing'
  | 'incoming'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'ended';

/** The theme a host carries into the frame: `--cv-*` custom properties and a color scheme. */
export interface ThemePayload {
  /** Only names matching `THEME_VARIABLE` are applied; values are checked by `safeCssValue`. */
  vars: Record<string, string>;
  scheme: 'light' | 'dark' | 'auto';
}

/** `detail` of every event, by type (the DOM events carry these as `detail`). */
export interface EventPayloads {
  /**
   * `storage`: `unpartitioned` (CallVault's own storage, through the Storage Access API: the
   * identity of the full app in this browser), `persistent` (the storage the browser gives the
   * frame on this site, partitioned in current browsers) or `page` (the browser refuses the
   * frame storage: the identity lasts as long as the page).
   */
  ready: { signedIn: boolean; address: string | null; storage: StorageMode };
  'signed-in': { address: string; displayName: string };
  'signed-out': Record<string, never>;
  message: { id: string; from: string; outgoing: boolean; sentAt: number };
  'unread-changed': { count: number };
  'call-state': {
    callId: string | null;
    peer: string | null;
    media: CallMedia | null;
    phase: CallPhase;
    reason: string | null;
  };
  error: { message: string; code: string | null };
  resize: { height: number };
  /** A verified handover succeeded: `site` vouches that this identity is its user `subject`. */
  verified: { site: string; subject: string; name: string | null; expiresAt: number };
  /** The visitor answered the frame's "Use your CallVault identity": `granted`, and the storage now in use. */
  'storage-access': { granted: boolean; storage: StorageMode };
}

/** Where the frame keeps the identity (see `ready`). */
export type StorageMode = 'unpartitioned' | 'persistent' | 'page';
const STORAGE_MODES: readonly string[] = ['unpartitioned', 'persistent', 'page'];

export interface CommandPayloads {
  call: { media?: CallMedia };
  hangUp: Record<string, never>;
  setTheme: ThemePayload;
  signOut: Record<string, never>;
  handover: { assertion: string };
  open: Record<string, never>;
  close: Record<string, never>;
}

export type CommandMessage = {
  [K in CommandType]: { cv: 1; kind: 'command'; id: string; type: K; payload: CommandPayloads[K] };
}[CommandType];
export type EventMessage = {
  [K in EventType]: { cv: 1; kind: 'event'; type: K; payload: EventPayloads[K] };
}[EventType];
export interface ResultMessage {
  cv: 1;
  kind: 'result';
  id: string;
  ok: boolean;
  error: string | null;
}
export type Message = CommandMessage | EventMessage | ResultMessage;

const COMMANDS: readonly string[] = ['call', 'hangUp', 'setTheme', 'signOut', 'handover', 'open', 'close'];
const EVENTS: readonly string[] = [
  'ready',
  'signed-in',
  'signed-out',
  'message',
  'unread-changed',
  'call-state',
  'error',
  'resize',
  'verified',
  'storage-access',
];
const PHASES: readonly string[] = [
  'idle',
  'calling',
  'ringing',
  'incoming',
  'connecting',
  'connected',
  'reconnecting',
  'ended',
];

/** The custom properties a host may set: `--cv-` then lower-case words. */
export const THEME_VARIABLE = /^--cv-[a-z][a-z0-9-]{0,40}$/;

/**
 * A CSS value short and plain enough to hand to `style.setProperty`: no url() (no fetches
 * from the frame on the host's say-so), no expressions, no braces or semicolons.
 */
export function safeCssValue(value: string): boolean {
  return value.length <= 200 && !/[;{}<>\\]|url\s*\(|expression\s*\(|@import/i.test(value);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, max = 500): v is string => typeof v === 'string' && v.length <= max;
const strOrNull = (v: unknown, max = 500) => v === null || str(v, max);
const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const id = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(v);

function validCommand(type: string, p: Obj): boolean {
  switch (type) {
    case 'call':
      return p.media === undefined || p.media === 'audio' || p.media === 'video';
    case 'setTheme':
      return (
        (p.scheme === 'light' || p.scheme === 'dark' || p.scheme === 'auto') &&
        isObj(p.vars) &&
        Object.keys(p.vars).length <= 40 &&
        Object.entries(p.vars).every(([k, v]) => THEME_VARIABLE.test(k) && str(v, 200) && safeCssValue(v))
      );
    case 'handover':
      return str(p.assertion, 4096) && p.assertion.length > 0;
    default:
      return Object.keys(p).length === 0;
  }
}

function validEvent(type: string, p: Obj): boolean {
  switch (type) {
    case 'ready':
      return (
        typeof p.signedIn === 'boolean' &&
        strOrNull(p.address, 100) &&
        typeof p.storage === 'string' &&
        STORAGE_MODES.includes(p.storage)
      );
    case 'signed-in':
      return str(p.address, 100) && str(p.displayName, 200);
    case 'signed-out':
      return Object.keys(p).length === 0;
    case 'message':
      return id(p.id) && str(p.from, 100) && typeof p.outgoing === 'boolean' && num(p.sentAt);
    case 'unread-changed':
      return num(p.count) && p.count >= 0;
    case 'call-state':
      return (
        strOrNull(p.callId, 64) &&
        strOrNull(p.peer, 100) &&
        (p.media === null || p.media === 'audio' || p.media === 'video') &&
        typeof p.phase === 'string' &&
        PHASES.includes(p.phase) &&
        strOrNull(p.reason, 200)
      );
    case 'error':
      return str(p.message, 1000) && strOrNull(p.code, 100);
    case 'resize':
      return num(p.height) && p.height >= 0 && p.height <= 100_000;
    case 'storage-access':
      return (
        typeof p.granted === 'boolean' &&
        typeof p.storage === 'string' &&
        STORAGE_MODES.includes(p.storage) &&
        Object.keys(p).length === 2
      );
    case 'verified':
      return str(p.site, 200) && str(p.subject, 256) && strOrNull(p.name, 64) && num(p.expiresAt);
    default:
      return false;
  }
}

/**
 * The message if `data` is a well-formed version-1 message of one of the expected kinds,
 * else null. Unknown versions, kinds, types and extra or missing fields are all refused.
 */
export function parseMessage(data: unknown, accept: 'from-host' | 'from-frame'): Message | null {
  if (!isObj(data) || data.cv !== PROTOCOL_VERSION || !str(data.type ?? '', 40)) return null;
  if (accept === 'from-host') {
    if (data.kind !== 'command' || !id(data.id) || !COMMANDS.includes(String(data.type))) return null;
    if (!isObj(data.payload) || !validCommand(String(data.type), data.payload)) return null;
    return data as unknown as CommandMessage;
  }
  if (data.kind === 'result') {
    if (!id(data.id) || typeof data.ok !== 'boolean' || !strOrNull(data.error, 1000)) return null;
    return data as unknown as ResultMessage;
  }
  if (data.kind !== 'event' || !EVENTS.includes(String(data.type)) || !isObj(data.payload)) return null;
  return validEvent(String(data.type), data.payload) ? (data as unknown as EventMessage) : null;
}
