// Assembles the proxy's WebAssembly text sources into TypeScript modules that embed the bytes,
// so the bundle needs no .wasm file and the proxy no assembler at run time.
// `npm run assemble-wasm` writes them; `npm run assemble-wasm -- --check` fails when a written
// module is not what its source assembles to (wabt, a devDependency, is needed for either).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtModule from 'wabt';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Each source and the module written from it, with the name of the constant that holds the bytes. */
const sources = [{ wat: 'proxy/inbound/nested-value-skip.wat', module: 'proxy/inbound/nested-value-skip-wasm.ts', constant: 'nestedValueSkipWasm' }];

const check = process.argv.includes('--check');
const wabt = await wabtModule();
let stale = 0;
for (const { wat, module, constant } of sources) {
  const parsed = wabt.parseWat(wat, readFileSync(path.join(root, wat), 'utf8'), { simd: true });
  parsed.validate();
  const { buffer } = parsed.toBinary({});
  parsed.destroy();
  const base64 = Buffer.from(buffer).toString('base64');
  const lines = base64.match(/.{1,100}/g) ?? [];
  const text = [
    `// Written by scripts/assemble-wasm.mjs from ${path.basename(wat)}: edit that, then \`npm run assemble-wasm\`.`,
    `/** The bytes of ${path.basename(wat)}'s module (${buffer.length} bytes), base64. */`,
    `export const ${constant} =`,
    ...lines.map((line, index) => `  '${line}'${index === lines.length - 1 ? ';' : ' +'}`),
    '',
  ].join('\n');
  const target = path.join(root, module);
  if (check) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // Missing: stale.
    }
    if (current !== text) {
      console.error(`${module} is not what ${wat} assembles to: run npm run assemble-wasm`);
      stale++;
    }
  } else {
    writeFileSync(target, text);
    console.log(`${module}: ${buffer.length} bytes`);
  }
}
process.exitCode = stale === 0 ? 0 : 1;
