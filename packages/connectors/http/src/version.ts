/** The package version, reported by the connector and its tasks (kept equal to package.json's). */
export const VERSION = '0.1.0';
