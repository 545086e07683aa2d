/** The package version, reported as every transform's and predicate's version (kept equal to package.json's). */
export const TRANSFORMS_VERSION = '0.1.0';
