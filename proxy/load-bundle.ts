/**
 * `dist/proxy.js`, what the extension, the `switchyard` command and the benchmark start: it reads
 * the proxy's bundle, `dist/proxy-bundle.js` (built from `main.ts`), and runs it as the CommonJS
 * loader would, with one difference — where the file's bytes are read into.
 *
 * Node's loader reads a module with `readFileSync(file, 'utf8')`, through a buffer that doubles
 * from 256 KB: for the 4.3 MB bundle the last is 8 MB, and glibc, on freeing a block it had
 * mapped, raises its mapping threshold to that block's size and the trim threshold to twice it
 * (`M_MMAP_THRESHOLD` is dynamic). With 16 MB allowed to stay free at the top of the C heap, the
 * compiler memory V8 frees once the bundle is compiled and the stores are open is never given
 * back: 10–12 MB of `[heap]` at idle against 5.6–7.6 MB read this way (`bench/idle-memory.ts`,
 * docs/benchmark.md "Memory"). A WebAssembly memory is mapped by V8 itself, not through malloc,
 * so reading into one leaves glibc's thresholds where they were. The bundle is ASCII
 * (esbuild.mjs `asciiSource`), so Latin-1 decodes it exactly.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

/** The CommonJS loader's members that run a file as a module (not in Node's published types). */
interface RunnableModule extends Module {
  _compile(source: string, filename: string): unknown;
}

/** V8's `WebAssembly.Memory`: the proxy's type libraries declare no WebAssembly values. */
interface WasmMemoryConstructor {
  new (descriptor: { initial: number }): { buffer: ArrayBuffer };
}

const bundle = path.join(__dirname, 'proxy-bundle.js');
const wasmPageBytes = 65_536;

function readOutsideTheCHeap(file: string): string {
  const descriptor = openSync(file, 'r');
  try {
    const size = fstatSync(descriptor).size;
    const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: WasmMemoryConstructor } }).WebAssembly;
    const memory = new Memory({ initial: Math.max(1, Math.ceil(size / wasmPageBytes)) });
    const bytes = new Uint8Array(memory.buffer, 0, size);
    let read = 0;
    while (read < size) {
      const count = readSync(descriptor, bytes, read, size - read, read);
      if (count === 0) break;
      read += count;
    }
    return Buffer.from(memory.buffer, 0, read).toString('latin1');
  } finally {
    closeSync(descriptor);
  }
}

function readBundle(): string {
  try {
    return readOutsideTheCHeap(bundle);
  } catch {
    // A process whose address space is capped (`ulimit -v`) may not map a WebAssembly memory.
    return readFileSync(bundle, 'latin1');
  }
}

const proxy = new Module(bundle, module) as RunnableModule;
proxy.filename = bundle;
proxy.paths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(__dirname);
require.cache[bundle] = proxy;
proxy._compile(readBundle(), bundle);
proxy.loaded = true;
