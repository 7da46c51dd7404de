/** Body limits: JSON requests are small; lead imports carry up to 100,000 rows. */
export const JSON_BODY_LIMIT = 1024 * 1024;
export const IMPORT_BODY_LIMIT = 20 * 1024 * 1024;
