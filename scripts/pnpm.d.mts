// Types of scripts/pnpm.mjs.

/** The pnpm version package.json pins. */
export declare const pnpmVersion: string;

/** The pnpm to call, as [command, leading arguments]. */
export declare function pnpmCommand(): [string, string[]];
