import { CALL_STREAM_PREFIX } from '../calls/events.ts';
import { calls } from '../calls/projection.ts';
import { CONTACTS_STREAM_PREFIX } from '../contacts/events.ts';
import { addressBooks } from '../contacts/projection.ts';
import { IDENTITY_STREAM_PREFIX } from '../identity/events.ts';
import { directory } from '../identity/projections.ts';
import { conversationStream } from '../messages/events.ts';
import { conversations } from '../messages/projection.ts';
import { PLAN_STREAM_PREFIX } from '../plans/events.ts';
import { plans } from '../plans/projection.ts';
import type { Projection } from '../projections/projection.ts';
import type { JsonValue, RecordedEvent } from '../store/types.ts';

/** What can be rebuilt as it stood at a position. */
export type StateKind = 'contacts' | 'conversation' | 'call' | 'plan' | 'identity';

/** The subject of a rebuild: an address, a call id, or an owner and a peer. */
export interface StateSubject {
  kind: StateKind;
  /** The identity (contacts, plan, identity), the conversation's owner, or the call id. */
  key: string;
  /** The other side of a conversation. */
  peer?: string | undefined;
}

/**
 * The streams whose events decide a subject's state. Each domain's read model folds only
 * its own streams, so a rebuild reads those and nothing else: the cost follows the subject's
 * history, not the log's length. An identity's dm and call streams are not known from its
 * address alone: the caller adds the streams of its timeline (`timelineStreams`).
 */
export function streamsOf(s: StateSubject): string[] {
  switch (s.kind) {
    case 'contacts':
      return [`${CONTACTS_STREAM_PREFIX}${s.key}`];
    case 'conversation':
      return [conversationStream(s.key, s.peer ?? '')];
    case 'call':
      return [`${CALL_STREAM_PREFIX}${s.key}`];
    case 'plan':
      return [`${PLAN_STREAM_PREFIX}${s.key}`];
    case 'identity':
      return [
        `${IDENTITY_STREAM_PREFIX}${s.key}`,
        `${CONTACTS_STREAM_PREFIX}${s.key}`,
        `${PLAN_STREAM_PREFIX}${s.key}`,
      ];
  }
}

function fold<S>(p: Projection<S>, events: RecordedEvent[]): S {
  let state = p.initial();
  for (const e of events) state = p.evolve(state, e);
  return state;
}

const EMPTY_BOOK = { contacts: {}, blocked: [], doNotDisturb: false, nonContactCalls: 'ring' };

/**
 * The subject's state after every event up to and including `position`, folded with the
 * same projections the live read models use, in fresh instances (the live ones are never
 * touched). `events` are the subject's events (from `streamsOf`), in position order.
 */
export function stateAt(s: StateSubject, events: RecordedEvent[], position: number): JsonValue {
  const upTo = events.filter((e) => e.position <= position);
  const snap = (p: Projection<unknown>) => p.snapshot(fold(p, upTo)) as Record<string, JsonValue>;
  switch (s.kind) {
    case 'contacts':
      return (
        (snap(addressBooks as Projection<unknown>).byOwner as Record<string, JsonValue>)[s.key] ?? EMPTY_BOOK
      );
    case 'conversation':
      return snap(conversations as Projection<unknown>)[`${s.key} ${s.peer ?? ''}`] ?? null;
    case 'call':
      return (snap(calls as Projection<unknown>).calls as Record<string, JsonValue>)[s.key] ?? null;
    case 'plan':
      return snap(plans as Projection<unknown>)[s.key] ?? 'FREE';
    case 'identity': {
      const dir = snap(directory as Projection<unknown>);
      const sessions = Object.values(dir.sessions as Record<string, { address: string }>)
        .filter((x) => x.address === s.key)
        .map((x) => x as unknown as JsonValue);
      const convs: Record<string, JsonValue> = {};
      for (const [k, v] of Object.entries(snap(conversations as Projection<unknown>))) {
        const [owner, peer] = k.split(' ');
        if (owner === s.key && peer) convs[peer] = v;
      }
      const allCalls = snap(calls as Projection<unknown>).calls as Record<
        string,
        { caller: string; callee: string }
      >;
      const mine: Record<string, JsonValue> = {};
      for (const [id, c] of Object.entries(allCalls)) {
        if (c.caller === s.key || c.callee === s.key) mine[id] = c as unknown as JsonValue;
      }
      return {
        profile: (dir.identities as Record<string, JsonValue>)[s.key] ?? null,
        sessions,
        contacts:
          (snap(addressBooks as Projection<unknown>).byOwner as Record<string, JsonValue>)[s.key] ??
          EMPTY_BOOK,
        plan: snap(plans as Projection<unknown>)[s.key] ?? 'FREE',
        conversations: convs,
        calls: mine,
      };
    }
  }
}

/** The dm and call streams among an identity's timeline events. */
export function timelineStreams(events: RecordedEvent[]): string[] {
  const out = new Set<string>();
  for (const e of events) if (!e.streamId.startsWith(IDENTITY_STREAM_PREFIX)) out.add(e.streamId);
  return [...out];
}

/** One difference between two JSON values: the path to it and the value on each side (absent: null). */
export interface Change {
  path: string;
  before: JsonValue;
  after: JsonValue;
}

/** Every leaf that differs between `a` and `b`, paths like `contacts.cvAB….nickname` or `messages[2].body`. */
export function diffJson(a: JsonValue, b: JsonValue, path = ''): Change[] {
  const isObj = (v: JsonValue): v is Record<string, JsonValue> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => {
      const p = path ? `${path}.${k}` : k;
      if (!(k in a)) return [{ path: p, before: null, after: b[k]! }];
      if (!(k in b)) return [{ path: p, before: a[k]!, after: null }];
      return diffJson(a[k]!, b[k]!, p);
    });
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: Change[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= a.length) out.push({ path: p, before: null, after: b[i]! });
      else if (i >= b.length) out.push({ path: p, before: a[i]!, after: null });
      else out.push(...diffJson(a[i]!, b[i]!, p));
    }
    return out;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, before: a, after: b }];
}
