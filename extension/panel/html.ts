import { randomBytes } from 'node:crypto';

/** What the panel's page is built from: webview URIs as strings and the webview's CSP source. */
export interface PanelPage {
  /** `webview.cspSource`: the origin the webview serves local resources from. */
  cspSource: string;
  /** A fresh random nonce per page; only scripts carrying it run. */
  nonce: string;
  scriptUri: string;
  styleUris: string[];
}

/** A nonce from the crypto RNG (not Math.random, which a page could predict). */
export function createNonce(): string {
  return randomBytes(18).toString('base64');
}

/**
 * The panel's HTML. The CSP forbids everything by default: no network at all (the host relays
 * the proxy's data), scripts only by nonce, styles, fonts and images only from the extension's
 * own files. Inline styles are allowed because the web components set style attributes.
 */
export function panelHtml(page: PanelPage): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${page.nonce}'`,
    `style-src ${page.cspSource} 'unsafe-inline'`,
    `font-src ${page.cspSource}`,
    `img-src ${page.cspSource} data:`,
  ].join('; ');
  const styles = page.styleUris.map((uri) => `    <link rel="stylesheet" href="${escapeAttribute(uri)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
    <title>Switchyard</title>
  </head>
  <body>
    <div id="app"></div>
    <script nonce="${escapeAttribute(page.nonce)}" src="${escapeAttribute(page.scriptUri)}"></script>
  </body>
</html>
`;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
