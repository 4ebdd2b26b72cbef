/** The embed's own strings, in one catalogue (the app's screens inside the frame are English). */
export interface Strings {
  videoCall: string;
  audioCall: string;
  notEmbedded: string;
  badAddress: string;
  loading: string;
  verified: string;
}

const CATALOGUE: Record<'en' | 'de', Strings> = {
  en: {
    videoCall: 'Video call',
    audioCall: 'Call',
    notEmbedded: 'This page is CallVault’s embed frame: it only works inside a site allowed to embed it.',
    badAddress: 'This embed names no valid CallVault address.',
    loading: 'Loading…',
    verified: 'Verified by',
  },
  de: {
    videoCall: 'Videoanruf',
    audioCall: 'Anrufen',
    notEmbedded:
      'Diese Seite ist der Einbettungsrahmen von CallVault und funktioniert nur in einer dafür freigegebenen Website.',
    badAddress: 'Diese Einbettung nennt keine gültige CallVault-Adresse.',
    loading: 'Wird geladen…',
    verified: 'Bestätigt von',
  },
};

export type Locale = keyof typeof CATALOGUE;

/** The strings for a locale tag (`de`, `de-AT`, …); English when there is none. */
export function stringsFor(tag: string | null): Strings {
  const lang = (tag ?? 'en').toLowerCase().split('-')[0] as Locale;
  return CATALOGUE[lang] ?? CATALOGUE.en;
}
