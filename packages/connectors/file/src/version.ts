/** The package version, reported as both connectors' and both tasks' version (kept equal to package.json's). */
export const VERSION = '0.1.0';
