// Text a person typed, as the hub judges it: what shows nothing, and what is not text at all.

/** Characters that render as nothing: zero-width space and joiners, LRM/RLM, bidi embeddings, overrides and isolates, word joiner, invisible operators, BOM, soft hyphen. */
export const INVISIBLE = /[\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/** Bidi embeddings, overrides and isolates: they reorder what a reader sees (e.g. make "1234-AB" display as "BA-4321"). */
export const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;

/** A UTF-16 surrogate without its partner: not a Unicode character, and not storable as UTF-8. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether text says something: not empty once spaces and invisible characters are taken away. */
export const meaningful = (s: string | null | undefined): s is string => !!s && s.replace(INVISIBLE, '').trim().length > 0;
