import assert from 'node:assert/strict';
import type { CallContent, ConfigUpdateResponse, RequestRecord } from '../../../proxy/control/protocol';
import { PanelRelay, type PanelClient } from '../../../extension/panel/relay';
import type { HostMessage, ProxyStatus } from '../../../webview/protocol';

const running: ProxyStatus = { state: 'running', port: 4141, owned: true };

function record(id: string, time: number): RequestRecord {
  return { id, time, requestedModel: 'gpt-4o', status: 200 } as RequestRecord;
}

/** A fake control API that remembers what the relay asked. */
function fakeClient(calls: string[]): PanelClient {
  return {
    requests: async (limit, before, range) => {
      calls.push(`requests ${limit} ${before ?? ''}${range?.since === undefined ? '' : ` since ${range.since}`}${range?.until === undefined ? '' : ` until ${range.until}`}`.replace(/ +/g, ' ').trim());
      return before === undefined ? { records: [record('req_2', 2), record('req_1', 1)], nextBefore: 1 } : { records: [record('req_0', 0)] };
    },
    request: async (id) => {
      calls.push(`request ${id}`);
      return id === 'req_1' ? record('req_1', 1) : undefined;
    },
    requestContent: async (id) => {
      calls.push(`content ${id}`);
      return id === 'req_kept' ? ({ requestId: id, format: 'openai-chat', endpoint: '/v1/chat/completions', request: { model: 'gpt-4o', messages: [] } } as unknown as CallContent) : undefined;
    },
    config: async () => {
      calls.push('config');
      return { file: '/tmp/config.json', config: { rules: [] }, problems: [] };
    },
    validateConfig: async (config): Promise<ConfigUpdateResponse> => {
      calls.push('validate');
      return Array.isArray(config.rules) ? { ok: true, problems: [] } : { ok: false, problems: [{ path: 'rules', message: 'must be a list' }] };
    },
    saveConfig: async (config): Promise<ConfigUpdateResponse> => {
      calls.push('save');
      return Array.isArray(config.rules) ? { ok: true, problems: [] } : { ok: false, problems: [{ path: 'rules', message: 'must be a list' }] };
    },
    stats: async (by, _since, then) => {
      calls.push(`stats ${by}${then === undefined ? '' : ` then ${then}`}`);
      return { by, rows: [] };
    },
    budgets: async () => {
      calls.push('budgets');
      return [];
    },
    keys: async () => {
      calls.push('keys');
      return [];
    },
  };
}

function relay(client: PanelClient | undefined, status: ProxyStatus = running) {
  const posted: HostMessage[] = [];
  const log: string[] = [];
  const panel = new PanelRelay({ client: () => client, status: () => status, post: (message) => posted.push(message), log: (line) => log.push(line) });
  return { panel, posted, log };
}

describe('PanelRelay (host side of the panel)', () => {
  it('on a team proxy: asks only what an access key may read, shows the rules read-only saying why, and the key’s own budgets without the key list', async () => {
    const calls: string[] = [];
    const client = fakeClient(calls);
    client.providers = async () => {
      calls.push('providers');
      return { providers: [] };
    };
    client.refusals = async () => {
      calls.push('refusals');
      return { refusals: [] };
    };
    const team: ProxyStatus = { state: 'running', port: 443, owned: false, team: { url: 'https://switchyard.example.com' } };
    const { panel, posted } = relay(client, team);
    await panel.receive({ type: 'ready' });
    await new Promise((resolve) => setImmediate(resolve));
    const snapshot = posted.find((message) => message.type === 'snapshot') as Extract<HostMessage, { type: 'snapshot' }>;
    assert.equal(snapshot.config.file, undefined);
    assert.match(snapshot.config.readOnlyReason!, /config of the team proxy https:\/\/switchyard\.example\.com, which only its admin can read and change: with "switchyard config pull" and "switchyard config push"/);
    assert.deepEqual(snapshot.config.problems, []);
    const governance = posted.find((message) => message.type === 'governance') as Extract<HostMessage, { type: 'governance' }>;
    assert.deepEqual(governance.governance.team, { url: 'https://switchyard.example.com' });
    assert.deepEqual(governance.governance.keys, []);
    for (const forbidden of ['config', 'providers', 'refusals', 'keys']) assert.ok(!calls.includes(forbidden), `asked ${forbidden}: ${calls.join(', ')}`);
    assert.ok(calls.includes('budgets') && calls.includes('stats clientKey'));
    await panel.receive({ type: 'save-config', requestId: 7, config: { rules: [] } });
    const result = posted.at(-1) as Extract<HostMessage, { type: 'config-result' }>;
    assert.equal(result.saved, false);
    assert.match(result.problems[0]!.message, /only its admin can read and change/);
    assert.ok(!calls.includes('save'));
  });

  it('sends nothing before ready, then a snapshot, then the request asked for meanwhile', async () => {
    const calls: string[] = [];
    const { panel, posted } = relay(fakeClient(calls));
    panel.showRequest('req_1');
    await panel.event({ type: 'request', record: record('req_3', 3) });
    assert.equal(posted.length, 0);
    await panel.receive({ type: 'ready' });
    // Budgets and keys follow the snapshot on their own, not holding it up.
    assert.deepEqual(posted.map((message) => message.type).filter((type) => type !== 'governance'), ['snapshot', 'show-request']);
    const snapshot = posted[0] as Extract<HostMessage, { type: 'snapshot' }>;
    assert.deepEqual(snapshot.records.map((each) => each.id), ['req_2', 'req_1']);
    assert.equal(snapshot.hasMore, true);
    assert.equal(snapshot.config.file, '/tmp/config.json');
    assert.deepEqual(snapshot.status, running);
    assert.ok(calls.some((call) => call.startsWith('requests 200 since')) && calls.includes('stats day'));
  });

  it('reads the list, its pages and the charts for the date range the panel shows (issue 14)', async () => {
    const calls: string[] = [];
    const { panel, posted } = relay(fakeClient(calls));
    await panel.receive({ type: 'ready', range: { since: 1000 } });
    assert.ok(calls.includes('requests 200 since 1000'), calls.join('\n'));
    assert.ok(calls.includes('stats day then provider') && calls.includes('stats day then model'), calls.join('\n'));
    calls.length = 0;
    posted.length = 0;
    await panel.receive({ type: 'set-range', range: { since: 5, until: 9 } });
    assert.deepEqual(calls.filter((call) => call.startsWith('requests')), ['requests 200 since 5 until 9']);
    assert.deepEqual(posted.map((message) => message.type), ['records', 'charts']);
    assert.deepEqual((posted[1] as Extract<HostMessage, { type: 'charts' }>).charts.range, { since: 5, until: 9 });
    await panel.receive({ type: 'load-more', before: 7 });
    assert.ok(calls.includes('requests 200 7 since 5 until 9'), calls.join('\n'));
    // A range that makes no sense is dropped like any malformed message.
    await panel.receive({ type: 'set-range', range: { since: 9, until: 5 } });
    assert.equal(posted.filter((message) => message.type === 'records').length, 1);
  });

  it('exports through the host with the range, the filter and whether the audit log keeps content', async () => {
    const calls: string[] = [];
    const posted: HostMessage[] = [];
    const asked: unknown[] = [];
    const panel = new PanelRelay({
      client: () => fakeClient(calls),
      status: () => running,
      post: (message) => posted.push(message),
      log: () => undefined,
      exportRecords: async (range, filter, auditOn) => {
        asked.push({ range, filter, auditOn });
        return { written: 3, file: '/tmp/out.csv' };
      },
    });
    await panel.receive({ type: 'ready' });
    await panel.receive({ type: 'export', range: { since: 1 }, filter: 'claude error' });
    assert.deepEqual(asked, [{ range: { since: 1 }, filter: 'claude error', auditOn: false }]);
    assert.deepEqual(posted.at(-1), { type: 'export-result', written: 3, file: '/tmp/out.csv' });
  });

  it('replays kept content with the model the user picks, and says why when nothing was kept', async () => {
    const calls: string[] = [];
    const posted: HostMessage[] = [];
    const panel = new PanelRelay({
      client: () => fakeClient(calls),
      status: () => running,
      post: (message) => posted.push(message),
      log: () => {},
      replay: async (content) => ({ model: 'openai/gpt-5-mini', status: 200, text: `again: ${content.requestId}`, costUsd: 0.001, latencyMs: 12 }),
    });
    await panel.receive({ type: 'ready' });
    posted.length = 0;
    await panel.receive({ type: 'replay', id: 'req_kept' });
    await panel.receive({ type: 'replay', id: 'req_1' });
    assert.deepEqual(posted[0], { type: 'replay-result', id: 'req_kept', replay: { model: 'openai/gpt-5-mini', status: 200, text: 'again: req_kept', costUsd: 0.001, latencyMs: 12 } });
    assert.equal(posted[1]?.type, 'replay-result');
    assert.match((posted[1] as Extract<HostMessage, { type: 'replay-result' }>).error ?? '', /turn on the audit log/);
  });

  it('relays live requests, pages older records and answers open-request', async () => {
    const calls: string[] = [];
    const { panel, posted } = relay(fakeClient(calls));
    await panel.receive({ type: 'ready' });
    posted.length = 0;
    await panel.event({ type: 'request', record: record('req_3', 3) });
    await panel.receive({ type: 'load-more', before: 1 });
    await panel.receive({ type: 'open-request', id: 'req_1' });
    await panel.receive({ type: 'open-request', id: 'req_gone' });
    assert.deepEqual(posted, [
      { type: 'request', record: record('req_3', 3) },
      { type: 'older-records', records: [record('req_0', 0)], hasMore: false },
      { type: 'request-detail', id: 'req_1', record: record('req_1', 1) },
      // The audit log's content follows a record it may have kept.
      { type: 'request-content', id: 'req_1', content: undefined },
      { type: 'request-detail', id: 'req_gone', record: undefined },
    ]);
    panel.dispose();
  });

  it('validates and saves configs, echoing the request id with the problems', async () => {
    const calls: string[] = [];
    const { panel, posted } = relay(fakeClient(calls));
    await panel.receive({ type: 'ready' });
    posted.length = 0;
    await panel.receive({ type: 'validate-config', requestId: 7, config: { rules: 'x' } });
    await panel.receive({ type: 'save-config', requestId: 8, config: { rules: [] } });
    assert.deepEqual(posted, [
      { type: 'config-result', requestId: 7, saved: false, problems: [{ path: 'rules', message: 'must be a list' }] },
      { type: 'config-result', requestId: 8, saved: true, problems: [] },
    ]);
    assert.deepEqual(calls.slice(-2), ['validate', 'save']);
  });

  it('re-reads the config on a config event and sends it', async () => {
    const { panel, posted } = relay(fakeClient([]));
    await panel.receive({ type: 'ready' });
    posted.length = 0;
    await panel.event({ type: 'config', config: { ok: true, file: '/tmp/config.json', problems: [] } });
    assert.deepEqual(posted, [{ type: 'config', config: { file: '/tmp/config.json', config: { rules: [] }, problems: [] } }]);
  });

  it('drops malformed messages from the webview without calling the proxy', async () => {
    const calls: string[] = [];
    const { panel, posted, log } = relay(fakeClient(calls));
    await panel.receive({ type: 'open-request', id: '' });
    await panel.receive({ type: 'save-config', requestId: 1, config: [] });
    await panel.receive('ready');
    await panel.receive({ type: 'run-shell', command: 'rm -rf /' });
    assert.deepEqual(posted, []);
    assert.deepEqual(calls, []);
    assert.equal(log.length, 4);
  });

  it('answers with the reason when the proxy is not running', async () => {
    const stopped: ProxyStatus = { state: 'crashed', port: 4141, detail: 'The proxy exited with code 2.' };
    const { panel, posted } = relay(undefined, stopped);
    await panel.receive({ type: 'ready' });
    await panel.receive({ type: 'save-config', requestId: 3, config: {} });
    const [snapshot, result] = posted;
    assert.equal(snapshot.type, 'snapshot');
    assert.deepEqual(result, {
      type: 'config-result',
      requestId: 3,
      saved: false,
      problems: [{ path: '', message: 'The Switchyard proxy is not running: The proxy exited with code 2.' }],
    });
  });
});
