import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dist = path.resolve(__dirname, '../../../dist');

// `npm test` builds before it runs mocha; a lone `npx mocha` of this file on a fresh clone skips.
describe('the proxy bundle is cheap to hold in memory', function () {
  before(function () {
    if (!existsSync(path.join(dist, 'proxy.js'))) this.skip();
  });

  // V8 keeps a script's source for lazy compilation, one byte a character only if all of it is
  // Latin-1: one `…` in a kept comment doubled dist/proxy.js on the heap (esbuild.mjs asciiSource).
  for (const bundle of ['proxy.js', 'otlp-tracing.js']) {
    it(`dist/${bundle} is pure ASCII`, () => {
      const text = readFileSync(path.join(dist, bundle), 'latin1');
      const offset = text.search(/[^\x00-\x7f]/);
      assert.equal(offset, -1, `a non-ASCII byte at ${offset}: …${text.slice(Math.max(0, offset - 60), offset + 20)}…`);
    });
  }
});
