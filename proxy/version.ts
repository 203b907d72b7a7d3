/** Switchyard's version, replaced at build time by esbuild from package.json. */
declare const SWITCHYARD_VERSION: string | undefined;

export const version: string = typeof SWITCHYARD_VERSION === 'string' ? SWITCHYARD_VERSION : '0.0.0-dev';
