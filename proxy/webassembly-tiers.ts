import { setFlagsFromString } from 'node:v8';
import { compileNestedValueSkip } from './inbound/nested-value-skip';

/**
 * WebAssembly is compiled by V8's baseline compiler (Liftoff) only, never re-compiled by its
 * optimizing one (TurboFan). SQLite's 1.3 MB module, tiered up while the stores open, left
 * ~45 MB of compiler memory resident for the life of the process, and undici's HTTP parser
 * another ~10 MB: idle RSS 146–157 MB, 96 MB without (bench/idle-memory.ts). The request log's
 * writes measured no slower on Liftoff code (callgrind, bench/instructions.ts: 0.93× the
 * instructions per call). Call it before anything compiles WebAssembly: both modules compile
 * lazily, SQLite when the stores open and undici's parser on the first upstream connection.
 *
 * One exception, compiled first: the request scan's 800-byte module (inbound/nested-value-skip.wat),
 * a loop over every byte of a large body, which Liftoff's code runs at ~273,000 instructions a
 * scan of an 80 KB body against TurboFan's ~209,000 (docs/benchmark.md, "Fifteenth round"). It is
 * compiled whole and at once (not lazily, function by function at first call, when the flags
 * below would be back); the process's RSS moved 0–128 KB over the compile.
 */
export function confineWebAssemblyToLiftoff(): void {
  setFlagsFromString('--no-liftoff');
  setFlagsFromString('--no-wasm-lazy-compilation');
  compileNestedValueSkip();
  setFlagsFromString('--liftoff');
  setFlagsFromString('--wasm-lazy-compilation');
  setFlagsFromString('--liftoff-only');
}
