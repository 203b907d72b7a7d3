import assert from 'node:assert/strict';
import { createNonce, panelHtml } from '../../../extension/panel/html';

describe('panel HTML', () => {
  const page = {
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce: 'n0nce+/=',
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
    styleUris: ['https://file+.vscode-resource.vscode-cdn.net/ext/dist/codicons/codicon.css', 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css'],
  };

  it('forbids everything by default and runs scripts only by nonce', () => {
    const html = panelHtml(page);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '';
    const directives = new Map(csp.split('; ').map((directive) => [directive.split(' ')[0], directive.split(' ').slice(1)]));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), ["'nonce-n0nce+/='"]);
    assert.deepEqual(directives.get('font-src'), [page.cspSource]);
    assert.equal(directives.has('connect-src'), false, 'no network for the webview');
    assert.match(html, /<div id="app"><\/div>\s*<script nonce="n0nce\+\/=" src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webview\.js"><\/script>/);
    for (const uri of page.styleUris) assert.ok(html.includes(`<link rel="stylesheet" href="${uri}">`));
  });

  it('makes a different unpredictable nonce for every page', () => {
    const nonces = new Set(Array.from({ length: 50 }, createNonce));
    assert.equal(nonces.size, 50);
    for (const nonce of nonces) assert.ok(nonce.length >= 24);
  });
});
