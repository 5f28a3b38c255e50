// The default roadwork keyword list: words found on work-zone signs, by language.

/** A keyword and the language it belongs to (ISO 639-1), for reports. */
export interface Keyword {
  readonly text: string;
  readonly language: string;
}

// Whole phrases beat single generic words: "WORK" alone or "CLOSED" alone appear on shop signs too.
const BY_LANGUAGE: Readonly<Record<string, readonly string[]>> = {
  en: [
    'ROAD WORK',
    'ROAD WORKS',
    'WORK ZONE',
    'DETOUR',
    'LANE CLOSED',
    'LANES CLOSED',
    'ROAD CLOSED',
    'SHOULDER CLOSED',
    'CONSTRUCTION',
    'MEN WORKING',
    'WORKERS AHEAD',
    'FLAGGER',
    'UTILITY WORK',
    'SIDEWALK CLOSED',
    'ROAD AHEAD CLOSED',
    'WILL BE CLOSED',
    'ROAD CLOSURE',
    'LANE CLOSURE',
    // British work-zone signs.
    'DIVERSION',
    'DELAYS POSSIBLE',
  ],
  de: ['BAUSTELLE', 'STRASSENARBEITEN', 'UMLEITUNG'],
  fr: ['TRAVAUX', 'CHANTIER', 'DÉVIATION', 'ROUTE BARRÉE'],
  es: ['OBRAS', 'DESVÍO', 'CARRETERA CORTADA'],
  it: ['LAVORI IN CORSO', 'CANTIERE', 'DEVIAZIONE'],
  pt: ['EM OBRAS', 'DESVIO'],
  nl: ['WERK IN UITVOERING', 'WEGWERKZAAMHEDEN', 'OMLEIDING'],
  pl: ['ROBOTY DROGOWE', 'OBJAZD'],
};

/** Roadwork sign wording in English, German, French, Spanish, Italian, Portuguese, Dutch and Polish. */
export const ROADWORK_KEYWORDS: readonly Keyword[] = Object.freeze(
  Object.entries(BY_LANGUAGE).flatMap(([language, words]) =>
    words.map((text) => Object.freeze({ text, language })),
  ),
);
