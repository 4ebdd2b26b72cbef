import type { EventPayloads } from './protocol.ts';

/** The DOM events every `<cv-*>` embed element dispatches (bubbling, composed), by name. */
export interface CvEmbedEventMap {
  /** The frame loaded and talks to this page. `detail.signedIn`: whether an identity is on this device. */
  'cv-ready': CustomEvent<EventPayloads['ready']>;
  /** An identity was created or resumed in the frame. `detail`: its address and display name. */
  'cv-signed-in': CustomEvent<EventPayloads['signed-in']>;
  /** The identity was signed out (removed from this embed's storage). */
  'cv-signed-out': CustomEvent<EventPayloads['signed-out']>;
  /** A message arrived or was sent. The body stays in the frame: `detail` has id, from, outgoing, sentAt. */
  'cv-message': CustomEvent<EventPayloads['message']>;
  /** The number of unread messages changed. `detail.count`. */
  'cv-unread-changed': CustomEvent<EventPayloads['unread-changed']>;
  /** A call changed phase (`idle`, `calling`, `ringing`, `incoming`, `connecting`, `connected`, `reconnecting`, `ended`). */
  'cv-call-state': CustomEvent<EventPayloads['call-state']>;
  /** A verified handover succeeded: `detail.site` vouches that this identity is its user `detail.subject` (`name`, `expiresAt`). */
  'cv-verified': CustomEvent<EventPayloads['verified']>;
  /** The visitor answered the frame's "Use your CallVault identity" prompt (Storage Access API). `detail.granted`, `detail.storage`. */
  'cv-storage-access': CustomEvent<EventPayloads['storage-access']>;
  /** Something failed in the frame. `detail.message`, `detail.code`. */
  'cv-error': CustomEvent<EventPayloads['error']>;
}

declare global {
  interface GlobalEventHandlersEventMap extends CvEmbedEventMap {}
}
