import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { safeHeaderValue, writeHead } from '../../../proxy/http/response-head';

describe('every header Switchyard writes is safe whatever it was made from', () => {
  it('leaves ordinary values alone and percent-encodes CR, LF, NUL, non-ASCII and lone surrogates', () => {
    assert.equal(safeHeaderValue('claude-sonnet-4-6'), 'claude-sonnet-4-6');
    assert.equal(safeHeaderValue('a b\tc%'), 'a b\tc%');
    assert.equal(safeHeaderValue('bad\r\nx-injected: 1'), 'bad%0D%0Ax-injected: 1');
    assert.equal(safeHeaderValue('nul\u0000'), 'nul%00');
    assert.equal(safeHeaderValue('模型é'), '%E6%A8%A1%E5%9E%8B%C3%A9');
    assert.equal(safeHeaderValue('x\ud800'), 'x%EF%BF%BD');
  });

  it('writes a head Node would otherwise refuse with ERR_INVALID_CHAR, with no header injected', async () => {
    const server = http.createServer((_request, response) => {
      writeHead(response, 200, { 'x-switchyard-model': 'bad\r\nx-injected: 1', 'x-list': ['a\nb', 'c'], 'content-length': 2 });
      response.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-switchyard-model'), 'bad%0D%0Ax-injected: 1');
      assert.equal(response.headers.get('x-injected'), null);
      assert.equal(await response.text(), 'ok');
    } finally {
      server.close();
    }
  });
});
