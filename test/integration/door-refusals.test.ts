import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { FakeUpstream } from '../fakes/fake-upstream';
import { PrincipalDirectory } from '../../proxy/core/principal';
import type { DoorRefusalNotice } from '../../proxy/security/door-refusals';
import { checkAccessKey } from '../../proxy/security/middleware';
import { control } from './control-client';
import { useFake, weatherReply } from './fake-providers';
import { TestProxy } from './harness';

/**
 * A tool set up without the local key fails at the front door. The refusal names the fix for
 * the key in force (the VS Code command when the extension's key is, the CLI's key file for
 * `--require-key`), is counted, logged once (rate-limited) and announced to the panel with
 * the caller's user agent — and its body is never read or written anywhere.
 */
describe('refusals at the front door lead to the fix', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;
  const log: string[] = [];
  const notices: DoorRefusalNotice[] = [];
  const secretBody = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'the-unauthenticated-body-marker' }] });

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(weatherReply);
    proxy = await TestProxy.start((config) => useFake(config, fake));
    proxy.control.setClientKey('sy-vscode-local-key-0001');
    proxy.runtime.events.on('log', (line) => log.push(line.message));
    proxy.runtime.events.on('refusals', (notice) => notices.push(notice));
  });
  after(async () => {
    await proxy.close();
    await fake.close();
  });

  const claudeCall = (apiKey: string | undefined) =>
    fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'claude-cli/2.1.105 (external, cli)', 'anthropic-version': '2023-06-01', ...(apiKey === undefined ? {} : { 'x-api-key': apiKey }) },
      body: secretBody,
    });

  it('a call without the key: 401 in Anthropic shape naming "Switchyard: Copy Connection Settings" and the env lines, not the CLI flag', async () => {
    const response = await claudeCall(undefined);
    assert.equal(response.status, 401);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'authentication_error');
    assert.match(body.error.message, /sent none/);
    assert.match(body.error.message, /"Switchyard: Copy Connection Settings"/);
    assert.match(body.error.message, /ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+ ANTHROPIC_API_KEY=sy-…/);
    assert.doesNotMatch(body.error.message, /--require-key/);
  });

  it('a wrong key says so, and an OpenAI-style call gets the OpenAI variables', async () => {
    const response = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-not-the-local-key', 'user-agent': 'OpenAI/JS 6.3.0' },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 401);
    const message = ((await response.json()) as { error: { message: string } }).error.message;
    assert.match(message, /not a local key of this Switchyard/);
    assert.match(message, /OPENAI_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/v1 OPENAI_API_KEY=sy-…/);
    assert.doesNotMatch(message, /sk-not-the-local-key/, 'the key sent is never echoed');
  });

  it('refusals are counted and shown with the user agent; one log line per kind per minute; the body nowhere', async () => {
    for (let index = 0; index < 3; index++) assert.equal((await claudeCall(undefined)).status, 401);
    const answer = await control(proxy, 'GET', '/refusals');
    assert.equal(answer.status, 200);
    const noKey = (answer.json.refusals as DoorRefusalNotice[]).find((notice) => notice.reason === 'no-key');
    assert.equal(noKey?.count, 4);
    assert.equal(noKey?.label, 'no local key');
    assert.equal(noKey?.userAgent, 'claude-cli/2.1.105 (external, cli)');
    assert.match(noKey?.fix ?? '', /Copy Connection Settings/);
    const noKeyLines = log.filter((line) => line.includes('refused at the door: no local key'));
    assert.equal(noKeyLines.length, 1, noKeyLines.join('\n'));
    assert.match(noKeyLines[0]!, /from user agent claude-cli\/2\.1\.105/);
    assert.ok(notices.some((notice) => notice.reason === 'no-key'), 'the panel heard of it');
    assert.ok(!log.join('\n').includes('the-unauthenticated-body-marker'), 'the body is not in the log');
    assert.ok(!JSON.stringify(answer.json).includes('the-unauthenticated-body-marker'));
    assert.equal(proxy.records.length, 0, 'no record for a caller not allowed in');
  });

  it('a user agent is cleaned of control characters before it is shown', async () => {
    await fetch(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'user-agent': 'evil\tagent' }, body: '{}' });
    const answer = await control(proxy, 'GET', '/refusals');
    const noKey = (answer.json.refusals as DoorRefusalNotice[]).find((notice) => notice.reason === 'no-key');
    assert.equal(noKey?.userAgent, 'evil agent');
  });
});

describe('the access-key refusal names the fix for the key in force', () => {
  const request = (path: string, headers: Record<string, string> = {}) => ({ url: path, headers: { host: '127.0.0.1:4141', ...headers } }) as unknown as IncomingMessage;

  it('`switchyard serve --require-key`: the key file, not the VS Code command', () => {
    const refusal = checkAccessKey(new PrincipalDirectory([{ key: 'sy-cli', label: '--require-key' }]), request('/v1/messages'));
    assert.ok('error' in refusal);
    assert.match(refusal.error.message, /--require-key/);
    assert.match(refusal.error.message, /ANTHROPIC_API_KEY=\$\(cat <data-dir>\/access-key\)/);
    assert.doesNotMatch(refusal.error.message, /Copy Connection Settings/);
  });

  it('the config\'s accessKeys, with the Gemini variable for a Gemini path', () => {
    const refusal = checkAccessKey(new PrincipalDirectory([{ key: 'sy-config', label: 'config key 1' }]), request('/v1beta/models/gemini-2.5-flash:generateContent', { 'x-goog-api-key': 'nope' }));
    assert.ok('error' in refusal);
    assert.equal(refusal.reason, 'wrong-key');
    assert.match(refusal.error.message, /"accessKeys"/);
    assert.match(refusal.error.message, /GEMINI_API_KEY=…/);
  });

  it('the right key passes', () => {
    const access = checkAccessKey(new PrincipalDirectory([{ key: 'sy-config', label: 'config key 1' }]), request('/v1/chat/completions', { authorization: 'Bearer sy-config' }));
    assert.ok('principal' in access);
    assert.equal(access.principal?.label, 'config key 1');
  });
});
