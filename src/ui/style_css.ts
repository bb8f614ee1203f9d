/** The UI's style sheet (placeholder). */
export const STYLE_CSS = "";
