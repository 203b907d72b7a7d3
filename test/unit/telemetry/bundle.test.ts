import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dist = path.resolve(__dirname, '../../../dist');

// `npm test` builds before it runs mocha; a lone `npx mocha` of this file on a fresh clone skips.
describe('OpenTelemetry stays out of the solo proxy and the extension', function () {
  before(function () {
    if (!existsSync(path.join(dist, 'proxy.js'))) this.skip();
  });

  it('dist/proxy.js and dist/extension.js hold no OpenTelemetry code; dist/otlp-tracing.js does, imported only on demand', () => {
    const proxy = readFileSync(path.join(dist, 'proxy.js'), 'utf8');
    const extension = readFileSync(path.join(dist, 'extension.js'), 'utf8');
    const tracing = readFileSync(path.join(dist, 'otlp-tracing.js'), 'utf8');
    for (const [name, text] of [['proxy.js', proxy], ['extension.js', extension]] as const) {
      assert.ok(!text.includes('OTLPTraceExporter'), `${name} bundles the OTLP exporter`);
      assert.ok(!text.includes('BatchSpanProcessor'), `${name} bundles the span processor`);
    }
    assert.ok(tracing.includes('OTLPTraceExporter') && tracing.includes('BatchSpanProcessor'));
    assert.match(proxy, /import\("\.\/otlp-tracing\.js"\)/);
  });
});
