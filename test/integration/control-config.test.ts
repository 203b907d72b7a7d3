import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeUpstream } from '../fakes/fake-upstream';
import { chatCompletionJson } from '../fakes/openai-chat-replies';
import { parseConfig } from '../../proxy/config/load-config';
import type { ConfigResponse, ConfigUpdateResponse } from '../../proxy/control/protocol';
import { control, EventStream } from './control-client';
import { TestProxy, controlToken } from './harness';
import { ConfigConflict, ControlClient } from '../../extension/control-client';
import { updateConfig } from '../../extension/commands/save-config';
import { PanelRelay } from '../../extension/panel/relay';
import type { HostMessage } from '../../webview/protocol';

/**
 * Config editing over the control API: reading the file as written, validating with problems
 * at their paths, saving atomically and in force at once, and the `config` events of saves and
 * of the watcher's reloads and rejections.
 */

async function chatModel(proxy: TestProxy, model: string): Promise<{ status: number; json: any }> {
  const response = await fetch(`${proxy.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'ping' }] }),
  });
  return { status: response.status, json: await response.json() };
}

describe('control API: config', () => {
  let fake: FakeUpstream;
  let folder: string;
  let file: string;
  let proxy: TestProxy;
  let initial: Record<string, unknown>;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply((request) => ({ json: chatCompletionJson({ model: request.json.model, text: 'pong', usage: { prompt: 3, completion: 1 } }) }));
    folder = mkdtempSync(path.join(tmpdir(), 'switchyard-config-'));
    file = path.join(folder, 'config.json');
    initial = { providers: { local: { type: 'openai-compatible', baseUrl: fake.url('/v1'), apiKeyEnv: 'LOCAL_KEY' } }, aliases: { fast: 'local/tiny' } };
    // Written by hand, as a user would: the proxy must give it back as written.
    writeFileSync(file, `${JSON.stringify(initial)}\n`);
    proxy = await TestProxy.start((config) => Object.assign(config, parseConfig(initial)), { LOCAL_KEY: 'local-key-from-env-0001' }, {}, { configFile: file });
  });
  after(async () => {
    await proxy.close();
    await fake.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('GET /config gives the file as written, its path and no problems', async () => {
    const answer = await control(proxy, 'GET', '/config');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.json as ConfigResponse, { file, config: initial, problems: [] });
  });

  it('POST /config/validate reports problems at their paths and writes nothing', async () => {
    const before = readFileSync(file, 'utf8');
    const invalid = await control(proxy, 'POST', '/config/validate', {
      config: { ...initial, rules: [{ match: { model: 'gpt-*' }, route: 'fast' }, { match: { model: 7 }, route: 'fast' }], routes: { smart: { strategy: 'fallback', targets: ['local/a', 'nowhere/b'] } } },
    });
    assert.equal(invalid.status, 200);
    const body = invalid.json as ConfigUpdateResponse;
    assert.equal(body.ok, false);
    assert.deepEqual(body.problems.map((problem) => problem.path), ['rules[1].match.model', 'routes.smart.targets[1]']);
    assert.match(body.problems[0]!.message, /rules\[1\]\.match\.model must be a non-empty string/);
    const valid = await control(proxy, 'POST', '/config/validate', { config: initial });
    assert.deepEqual(valid.json, { ok: true, problems: [] });
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  it('PUT /config refuses an invalid config with 400 and its problems, writing nothing and changing nothing', async () => {
    const before = readFileSync(file, 'utf8');
    const answer = await control(proxy, 'PUT', '/config', { config: { ...initial, aliases: { fast: 'local/other' }, disabledModels: ['tiny'] } });
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.json.problems.map((problem: { path: string }) => problem.path), ['disabledModels[0]']);
    assert.equal(answer.json.ok, false);
    assert.equal(readFileSync(file, 'utf8'), before);
    await chatModel(proxy, 'fast');
    assert.equal(fake.last.json.model, 'tiny');
  });

  it('PUT /config writes the file atomically, puts it in force at once and announces it', async () => {
    await control(proxy, 'PUT', '/providers/local/key', { apiKey: 'local-key-from-control-9999' });
    const events = await EventStream.open(proxy);
    try {
      const next = { ...initial, aliases: { fast: 'local/tiny-2', smart: 'local/large' }, defaultRoute: 'fast' };
      const answer = await control(proxy, 'PUT', '/config', { config: next });
      assert.equal(answer.status, 200);
      assert.deepEqual(answer.json, { ok: true, problems: [] });
      assert.equal(readFileSync(file, 'utf8'), `${JSON.stringify(next, null, 2)}\n`);
      assert.deepEqual(readdirSync(folder), ['config.json'], 'no temporary file is left behind');
      const event = await events.next('config');
      assert.deepEqual(event.data, { ok: true, file, problems: [] });
      // In force without waiting for the watcher, with the key set over the control API kept.
      await chatModel(proxy, 'fast');
      assert.equal(fake.last.json.model, 'tiny-2');
      assert.equal(fake.last.headers.authorization, 'Bearer local-key-from-control-9999');
      // The default route takes a model no rule or alias names.
      await chatModel(proxy, 'local/whatever');
      assert.equal(fake.last.json.model, 'tiny-2');
      assert.deepEqual((await control(proxy, 'GET', '/config')).json.config, next);
    } finally {
      events.close();
      await control(proxy, 'DELETE', '/providers/local/key');
    }
  });

  it('PUT /config with If-Match saves only over the file as it was read: 412, writing nothing, after it changed', async () => {
    const headers = { authorization: `Bearer ${controlToken}` };
    const read = await fetch(`${proxy.url}/_switchyard/config`, { headers });
    const etag = read.headers.get('etag')!;
    assert.match(etag, /^"sha256-[0-9a-f]{16}"$/);
    const { config } = (await read.json()) as ConfigResponse;
    // Someone edits the file meanwhile.
    const edited = { ...config, aliases: { fast: 'local/by-hand' } };
    writeFileSync(file, `${JSON.stringify(edited, null, 2)}\n`);
    const stale = await control(proxy, 'PUT', '/config', { config: { ...config, defaultRoute: 'fast' } }, { ...headers, 'if-match': etag });
    assert.equal(stale.status, 412);
    assert.equal(stale.json.error.type, 'precondition_failed_error');
    assert.match(stale.json.error.message, /Nothing saved: .*config\.json changed since it was read/);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), edited, 'nothing was written');
    const fresh = await fetch(`${proxy.url}/_switchyard/config`, { headers });
    const saved = await control(proxy, 'PUT', '/config', { config: { ...edited, defaultRoute: 'fast' } }, { ...headers, 'if-match': fresh.headers.get('etag')! });
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { ...edited, defaultRoute: 'fast' });
    // Without If-Match a save is unconditional, as before.
    assert.equal((await control(proxy, 'PUT', '/config', { config })).status, 200);
  });

  it('the panel saves over the revision its draft started from: a save elsewhere meanwhile is a conflict, and overwriting names the new revision', async () => {
    const client = new ControlClient(Number(new URL(proxy.url).port), controlToken);
    const posted: HostMessage[] = [];
    const relay = new PanelRelay({ client: () => client, status: () => ({ state: 'running', port: client.port, owned: true }), post: (message) => posted.push(message), log: () => {} });
    await relay.receive({ type: 'ready' });
    const snapshot = posted.find((message): message is Extract<HostMessage, { type: 'snapshot' }> => message.type === 'snapshot')!;
    const loaded = snapshot.config.revision;
    assert.match(loaded ?? '', /^sha256-[0-9a-f]{16}$/, 'the snapshot carries the file revision');
    const mine = { ...snapshot.config.config, aliases: { fast: 'local/mine' } };
    // `switchyard config push`, another window or a hand edit saves first.
    const theirs = { ...snapshot.config.config, aliases: { fast: 'local/theirs' } };
    writeFileSync(file, `${JSON.stringify(theirs, null, 2)}\n`);
    posted.length = 0;
    await relay.receive({ type: 'save-config', requestId: 1, config: mine, ifRevision: loaded });
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), theirs, 'their save was not overwritten');
    const [fresh, conflict] = posted.filter((message) => message.type === 'config' || message.type === 'config-result') as [Extract<HostMessage, { type: 'config' }>, Extract<HostMessage, { type: 'config-result' }>];
    assert.equal(fresh.type, 'config');
    assert.deepEqual(fresh.config.config, theirs, 'the editor is given their version first');
    assert.equal(conflict.type, 'config-result');
    assert.deepEqual({ saved: conflict.saved, conflict: conflict.conflict }, { saved: false, conflict: true });
    assert.equal(conflict.revision, fresh.config.revision);
    assert.notEqual(conflict.revision, loaded);
    // "Overwrite it with yours": over the revision the user was shown.
    posted.length = 0;
    await relay.receive({ type: 'save-config', requestId: 2, config: mine, ifRevision: conflict.revision });
    const saved = posted.find((message) => message.type === 'config-result') as Extract<HostMessage, { type: 'config-result' }>;
    assert.equal(saved.saved, true, JSON.stringify(saved));
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), mine);
    assert.equal(saved.revision, (await client.config()).revision, 'the answer names the saved revision, for the next save');
    await assert.rejects(client.saveConfig(initial, loaded), (error: unknown) => error instanceof ConfigConflict && error.currentRevision === saved.revision);
    relay.dispose();
  });

  it("the extension's read-change-save applies its change again to a config saved between its read and its save", async () => {
    const client = new ControlClient(Number(new URL(proxy.url).port), controlToken);
    const before = (await client.config()).config;
    let reads = 0;
    await updateConfig(client, (config) => {
      reads += 1;
      // The first time, someone else saves right after this read.
      if (reads === 1) writeFileSync(file, `${JSON.stringify({ ...before, aliases: { fast: 'local/by-hand' } }, null, 2)}\n`);
      return { ...config, defaultRoute: 'fast' };
    });
    assert.equal(reads, 2);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { ...before, aliases: { fast: 'local/by-hand' }, defaultRoute: 'fast' }, 'both changes are kept');
    await client.saveConfig(initial);
  });

  it('a reload of the same bytes the proxy wrote is not applied or announced twice', async () => {
    const events = await EventStream.open(proxy);
    try {
      proxy.control.reloadFromFile();
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(events.events.filter((event) => event.type === 'config'), []);
    } finally {
      events.close();
    }
  });

  it('a file edited by hand is reloaded, and an invalid one rejected with its problems while the last good config stays', async () => {
    const events = await EventStream.open(proxy);
    try {
      writeFileSync(file, JSON.stringify({ ...initial, aliases: { fast: 'local/tiny-3' } }));
      proxy.control.reloadFromFile();
      assert.deepEqual((await events.next('config')).data, { ok: true, file, problems: [] });
      assert.match((await events.next('log')).data.message, /config reloaded from/);
      await chatModel(proxy, 'fast');
      assert.equal(fake.last.json.model, 'tiny-3');

      writeFileSync(file, JSON.stringify({ ...initial, aliases: { fast: 'local/tiny-4' }, rules: [{ match: { modle: 'x' }, route: 'fast' }] }));
      proxy.control.reloadFromFile();
      const rejected = (await events.next('config')).data;
      assert.equal(rejected.ok, false);
      assert.deepEqual(rejected.problems.map((problem: { path: string }) => problem.path), ['rules[0].match.modle']);
      assert.match((await events.next('log')).data.message, /config not reloaded, the last good one stays in force: .*unknown field 'rules\[0\]\.match\.modle'/);
      await chatModel(proxy, 'fast');
      assert.equal(fake.last.json.model, 'tiny-3');
      const onDisk = (await control(proxy, 'GET', '/config')).json as ConfigResponse;
      assert.deepEqual(onDisk.problems.map((problem) => problem.path), ['rules[0].match.modle']);
      assert.deepEqual((onDisk.config.aliases as Record<string, string>).fast, 'local/tiny-4');

      writeFileSync(file, '{ "aliases": ');
      proxy.control.reloadFromFile();
      const broken = (await events.next('config')).data;
      assert.equal(broken.ok, false);
      assert.equal(broken.problems[0].path, '');
      assert.match(broken.problems[0].message, /is not valid JSON/);
      const unreadable = (await control(proxy, 'GET', '/config')).json as ConfigResponse;
      assert.deepEqual(unreadable.config, {});
      assert.match(unreadable.problems[0]!.message, /is not valid JSON/);
    } finally {
      events.close();
      writeFileSync(file, `${JSON.stringify(initial)}\n`);
      proxy.control.reloadFromFile();
    }
  });

  it('refuses bodies that are not { config: {…} }', async () => {
    for (const body of ['{"config": {', '[]', { config: [] }, { config: 'x' }, {}]) {
      const put = await control(proxy, 'PUT', '/config', body);
      assert.equal(put.status, 400, JSON.stringify(body));
      assert.equal(put.json.error.type, 'invalid_request_error');
      assert.equal((await control(proxy, 'POST', '/config/validate', body)).status, 400);
    }
    assert.equal((await control(proxy, 'PUT', '/config', { config: {} }, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal(readFileSync(file, 'utf8'), `${JSON.stringify(initial)}\n`);
  });

  it('without a config file, GET /config is empty and PUT /config answers 409', async () => {
    const bare = await TestProxy.start();
    try {
      assert.deepEqual((await control(bare, 'GET', '/config')).json, { config: {}, problems: [] });
      const refused = await control(bare, 'PUT', '/config', { config: {} });
      assert.equal(refused.status, 409);
      assert.match(refused.json.error.message, /without a config file.*--config FILE/);
      assert.deepEqual((await control(bare, 'POST', '/config/validate', { config: { rules: 1 } })).json.problems.map((problem: { path: string }) => problem.path), ['rules']);
    } finally {
      await bare.close();
    }
  });
});
