/** The UI's script (placeholder). */
export const APP_JS = "";
