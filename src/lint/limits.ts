/** How much work lint does per message at most (docs/lint.md, "Limits"). */

/** Bytes of a message the content checks read; later bytes are not linted. */
export const DEFAULT_MAX_SCAN = 4 * 1024 * 1024;

/** MIME parts looked into per message. */
export const MAX_PARTS = 100;

/** Bytes of an escaped evidence excerpt. */
export const EVIDENCE_BYTES = 60;
