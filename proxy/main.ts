import { setFlagsFromString } from 'node:v8';
import { main } from './cli';

// WebAssembly is compiled by V8's baseline compiler (Liftoff) only, never re-compiled by its
// optimizing one (TurboFan). SQLite's 1.3 MB module, tiered up while the stores open, left
// ~45 MB of compiler memory resident for the life of the process, and undici's HTTP parser
// another ~10 MB: idle RSS 146–157 MB, 96 MB without (bench/idle-memory.ts). The request log's
// writes measured no slower on Liftoff code (callgrind, bench/instructions.ts: 0.93× the
// instructions per call). Set before anything compiles WebAssembly: both modules compile
// lazily, SQLite when the stores open and undici's parser on the first upstream connection.
setFlagsFromString('--liftoff-only');

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`switchyard: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
