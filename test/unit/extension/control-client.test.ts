import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ControlClient, ControlError, probeHealth } from '../../../extension/control-client';
import { connectionSettings } from '../../../extension/connection-settings';
import { parseTeamProxyUrl, sendsKeyInClear } from '../../../extension/team-proxy';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
}

/** A stand-in control API that records what it was asked and answers by path. */
function handler(seen: Seen[], answer: (url: string) => { status: number; body: unknown }): http.RequestListener {
  return (request, response) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization });
    const { status, body } = answer(request.url ?? '');
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
}

const health = { status: 'ok', version: '0.1.0', uptimeSeconds: 1, pid: 42 };

function answerByPath(url: string): { status: number; body: unknown } {
  if (url.endsWith('/_switchyard/health')) return { status: 200, body: health };
  if (url.includes('/_switchyard/requests')) return { status: 200, body: { records: [] } };
  if (url.includes('/_switchyard/stats')) return { status: 200, body: { by: 'day', rows: [] } };
  return { status: 401, body: { error: { type: 'authentication_error', message: 'The Switchyard control API got a wrong control token.' } } };
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('the control client against a team proxy URL', () => {
  let server: http.Server;
  let port: number;
  const seen: Seen[] = [];

  before(async () => {
    server = http.createServer(handler(seen, answerByPath));
    port = await listen(server);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (seen.length = 0));

  it('keeps the port form: 127.0.0.1 and /_switchyard', async () => {
    const client = new ControlClient(port, 'token');
    assert.equal(client.baseUrl.href, `http://127.0.0.1:${port}/`);
    await client.requests(1);
    assert.deepEqual(seen, [{ method: 'GET', url: '/_switchyard/requests?limit=1', authorization: 'Bearer token' }]);
  });

  it('sends to the URL’s host and port, under its path prefix, with the access key as the bearer', async () => {
    const client = new ControlClient(new URL(`http://localhost:${port}/team/switchyard/`), 'sy-team-key');
    assert.equal(client.port, port);
    await client.stats('day', { since: 1000 });
    assert.deepEqual(seen, [{ method: 'GET', url: '/team/switchyard/_switchyard/stats?by=day&since=1000', authorization: 'Bearer sy-team-key' }]);
    assert.deepEqual(await probeHealth(new URL(`http://localhost:${port}/team/switchyard`)), health);
  });

  it('tells its owner about a 401 (a revoked key) and still rejects with the proxy’s message', async () => {
    const client = new ControlClient(new URL(`http://127.0.0.1:${port}`), 'revoked');
    let told = 0;
    client.onUnauthorized = () => (told += 1);
    await assert.rejects(client.budgets(), (error: unknown) => error instanceof ControlError && error.status === 401 && /wrong control token/.test(error.message));
    assert.equal(told, 1);
  });

  it('names the URL when nothing answers there', async () => {
    const closed = http.createServer();
    const free = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new ControlClient(new URL(`http://127.0.0.1:${free}/`), 'key', 2_000);
    await assert.rejects(client.requests(1), new RegExp(`on http://127\\.0\\.0\\.1:${free} did not answer`));
    assert.equal(await probeHealth(new URL(`http://127.0.0.1:${free}`)), undefined);
  });
});

describe('the control client over https', function () {
  this.timeout(20_000);
  let server: https.Server | undefined;
  let port: number;
  let folder: string;
  const seen: Seen[] = [];
  let previousCa: unknown;

  before(async function () {
    folder = mkdtempSync(path.join(tmpdir(), 'switchyard-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', path.join(folder, 'key.pem'), '-out', path.join(folder, 'cert.pem')], { stdio: 'ignore' });
    } catch {
      this.skip();
    }
    const cert = readFileSync(path.join(folder, 'cert.pem'));
    server = https.createServer({ key: readFileSync(path.join(folder, 'key.pem')), cert }, handler(seen, answerByPath));
    port = await listen(server);
    // Trust the test's own certificate the way a system CA would be trusted.
    previousCa = https.globalAgent.options.ca;
    https.globalAgent.options.ca = cert;
  });
  after(async () => {
    https.globalAgent.options.ca = previousCa as typeof https.globalAgent.options.ca;
    if (server !== undefined) await new Promise<void>((resolve) => server!.close(() => resolve()));
    rmSync(folder, { recursive: true, force: true });
  });

  it('speaks TLS to an https URL, checking the certificate', async () => {
    const client = new ControlClient(new URL(`https://localhost:${port}`), 'sy-team-key');
    await client.requests(1);
    assert.deepEqual(seen.at(-1), { method: 'GET', url: '/_switchyard/requests?limit=1', authorization: 'Bearer sy-team-key' });
    assert.deepEqual(await probeHealth(new URL(`https://localhost:${port}`)), health);
    // A name the certificate does not carry is refused: the key is not sent to an impostor.
    await assert.rejects(new ControlClient(new URL(`https://127.0.0.1:${port}`), 'sy-team-key').requests(1), /did not answer/);
  });
});

describe('team proxy addresses', () => {
  it('takes a base URL as pasted, cutting a trailing slash, /_switchyard or /v1', () => {
    for (const [text, expected] of [
      ['https://switchyard.example.com', 'https://switchyard.example.com/'],
      [' https://switchyard.example.com/ ', 'https://switchyard.example.com/'],
      ['https://switchyard.example.com/_switchyard', 'https://switchyard.example.com/'],
      ['https://example.com/llm/v1/', 'https://example.com/llm'],
      ['http://10.0.0.5:4141', 'http://10.0.0.5:4141/'],
    ] as const) {
      const parsed = parseTeamProxyUrl(text);
      assert.ok('url' in parsed, text);
      assert.equal(parsed.url.href, expected, text);
    }
  });

  it('refuses what is not one, naming how to write it', () => {
    const problem = (text: string): string => {
      const parsed = parseTeamProxyUrl(text);
      assert.ok('problem' in parsed, text);
      return parsed.problem;
    };
    assert.match(problem(''), /e\.g\. https:\/\/switchyard\.example\.com/);
    assert.match(problem('switchyard.example.com'), /not a URL: write it with its scheme/);
    assert.match(problem('ftp://example.com'), /not ftp/);
    assert.match(problem('https://me:secret@example.com'), /Leave the user name and password out/);
    assert.match(problem('https://example.com/?key=1'), /Leave the query/);
  });

  it('warns of plain http only off this machine', () => {
    assert.equal(sendsKeyInClear(new URL('http://10.0.0.5:4141')), true);
    assert.equal(sendsKeyInClear(new URL('http://127.0.0.1:4141')), false);
    assert.equal(sendsKeyInClear(new URL('https://example.com')), false);
  });

  it('gives tools the team URL and the access key', () => {
    assert.deepEqual(connectionSettings('https://switchyard.example.com/', 'sy-team'), {
      baseUrl: 'https://switchyard.example.com',
      openAiBaseUrl: 'https://switchyard.example.com/v1',
      localKey: 'sy-team',
    });
  });
});
