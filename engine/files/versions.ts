/**
 * The current file-format versions (docs/file-formats.md), apart from the schemas so the renderer can
 * stamp what it builds without loading zod. Bump one with a migration step in migrate.ts.
 */
export const PROFILE_SCHEMA_VERSION = 2;
export const RESULTS_SCHEMA_VERSION = 3;
