import { nestedValueSkipWasm } from './nested-value-skip-wasm';

/**
 * The WebAssembly skipper of a request body's nested values (nested-value-skip.wat), for
 * {@link scanRequestHead} on large bodies: a body is copied into the module's memory once, and
 * each top-level member's object or array is skipped there in one call, its strings searched
 * 64 bytes at a time instead of with one `Buffer#indexOf` call each. It also checks a
 * translated request's tool schemas against JSON's grammar without parsing them (`validate`,
 * tool-schemas.ts).
 */
export interface NestedValueSkipper {
  /**
   * Skips the object or array whose opening bracket is at `start` of the body last
   * {@link NestedValueSkipper.load | loaded}. Returns (code << 1) | signature: code 0 when the
   * scan must stop (a string never closes, or the body ends inside the value), else the offset of
   * its closing bracket plus one; signature 1 when a `"signature"` key holding `""` was passed.
   */
  skip(start: number): number;
  /**
   * Checks the JSON value that begins at `start` of the body last loaded against JSON's grammar
   * and finds its end: the offset past it when it is a value JSON.parse takes, 0 when it is not,
   * -1 when it nests deeper than 64 levels (not checked). Builds nothing.
   */
  validate(start: number): number;
  /**
   * Copies `json` into the module's memory (growing it when needed) for the calls to `skip`
   * after; nothing when it is the body loaded last (a translated request's index skips values
   * of the body the read stage's scan loaded).
   */
  load(json: Buffer): void;
}

/** A search reads 64 bytes at a time: the memory keeps that much past the body. */
const searchWidth = 64;
const pageBytes = 65_536;

/** The module's exports (nested-value-skip.wat). */
interface SkipExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  skipNested(start: number, length: number): number;
  validateValue(start: number, end: number): number;
}

/** The part of the WebAssembly API used here: the project's type libraries do not declare it (no DOM lib). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: object };
}

let skipper: NestedValueSkipper | undefined;
let compiled: object | undefined;

function webAssembly(): WebAssemblyApi {
  return (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
}

/**
 * Compiles the module now, with whatever compiler V8's flags choose at this moment. The proxy's
 * entry (main.ts) calls it with TurboFan chosen, before it confines all other WebAssembly to
 * Liftoff: compiled by Liftoff this loop costs ~273,000 instructions a scan of the bench's 80 KB
 * bodies (the JavaScript loop's ~287,000), by TurboFan ~209,000 (docs/benchmark.md, "Fifteenth
 * round"). Without it the module is compiled at its first use.
 */
export function compileNestedValueSkip(): void {
  compiled ??= new (webAssembly().Module)(Buffer.from(nestedValueSkipWasm, 'base64'));
}

/**
 * The one skipper of the process, made at its first use (a proxy that never sees a large body
 * never compiles the module or holds its memory). Its memory grows to the largest body loaded
 * and stays there: the caller loads only bodies up to a bound.
 */
export function nestedValueSkipper(): NestedValueSkipper {
  if (skipper !== undefined) return skipper;
  compileNestedValueSkip();
  const instance = new (webAssembly().Instance)(compiled!);
  const exports = instance.exports as unknown as SkipExports;
  let bytes = new Uint8Array(exports.memory.buffer);
  let length = 0;
  // The last body loaded: kept until the next load (one body, at most the bound the callers load).
  let loaded: Buffer | undefined;
  skipper = {
    load(json) {
      if (json === loaded) return;
      const needed = json.length + searchWidth;
      if (needed > bytes.length) {
        exports.memory.grow(Math.ceil((needed - bytes.length) / pageBytes));
        // Growing detaches the old ArrayBuffer.
        bytes = new Uint8Array(exports.memory.buffer);
      }
      bytes.set(json);
      length = json.length;
      loaded = json;
    },
    skip: (start) => exports.skipNested(start, length),
    validate: (start) => exports.validateValue(start, length),
  };
  return skipper;
}
