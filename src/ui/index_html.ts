/** The UI's page (placeholder until the UI lands; the contract is {@link ../assets.ts}). */
export const INDEX_HTML =
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>mocksmtp</title></head><body></body></html>
`;
