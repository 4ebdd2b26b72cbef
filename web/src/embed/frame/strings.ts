/** The embed's own strings, in one catalogue (the app's screens inside the frame are English). */
export interface Strings {
  videoCall: string;
  audioCall: string;
  notEmbedded: string;
  badAddress: string;
  loading: string;
  verified: string;
  /** The Storage Access prompt (shown while no identity is in the frame). */
  accessTitle: string;
  accessHint: string;
  accessButton: string;
  /** Said when the browser refused: this site keeps its own identity. */
  accessDenied: string;
  /** Said when the frame may keep nothing: the identity lasts as long as the page. */
  accessPageOnly: string;
}

const CATALOGUE: Record<'en' | 'de', Strings> = {
  en: {
    videoCall: 'Video call',
    audioCall: 'Call',
    notEmbedded: 'This page is CallVault’s embed frame: it only works inside a site allowed to embed it.',
    badAddress: 'This embed names no valid CallVault address.',
    loading: 'Loading…',
    verified: 'Verified by',
    accessTitle: 'Already use CallVault in this browser?',
    accessHint:
      'Your browser keeps this site’s CallVault apart from CallVault itself. Allow access to use the identity you have there.',
    accessButton: 'Use your CallVault identity',
    accessDenied:
      'Your browser did not give this frame CallVault’s own storage, so this site has its own CallVault identity: create or restore one below.',
    accessPageOnly:
      'This browser lets CallVault keep nothing here: the identity you create or restore lasts until you leave this page.',
  },
  de: {
    videoCall: 'Videoanruf',
    audioCall: 'Anrufen',
    notEmbedded:
      'Diese Seite ist der Einbettungsrahmen von CallVault und funktioniert nur in einer dafür freigegebenen Website.',
    badAddress: 'Diese Einbettung nennt keine gültige CallVault-Adresse.',
    loading: 'Wird geladen…',
    verified: 'Bestätigt von',
    accessTitle: 'Nutzen Sie CallVault schon in diesem Browser?',
    accessHint:
      'Ihr Browser trennt CallVault auf dieser Website von CallVault selbst. Erlauben Sie den Zugriff, um Ihre Identität von dort zu nutzen.',
    accessButton: 'Ihre CallVault-Identität verwenden',
    accessDenied:
      'Ihr Browser gibt diesem Rahmen nicht den Speicher von CallVault, daher hat diese Website eine eigene CallVault-Identität: Erstellen oder wiederherstellen Sie sie unten.',
    accessPageOnly:
      'Dieser Browser lässt CallVault hier nichts speichern: Die Identität, die Sie erstellen oder wiederherstellen, gilt, bis Sie diese Seite verlassen.',
  },
};

export type Locale = keyof typeof CATALOGUE;

/** The strings for a locale tag (`de`, `de-AT`, …); English when there is none. */
export function stringsFor(tag: string | null): Strings {
  const lang = (tag ?? 'en').toLowerCase().split('-')[0] as Locale;
  return CATALOGUE[lang] ?? CATALOGUE.en;
}
