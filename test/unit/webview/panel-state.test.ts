import assert from 'node:assert/strict';
import { defaultPanelState, followProxy, parsePanelState } from '../../../webview/panel-state';

describe('webview panel state', () => {
  it('restores what was saved', () => {
    const saved = { tab: 'rules', selectedRequestId: 'req_1', filter: 'error', range: { preset: 'custom', from: '2026-12-01', to: '2026-12-03' }, spendBy: 'model', rulesMode: 'json', draft: { text: '{', baseText: '{}', baseRevision: 'sha256-0123456789abcdef' } };
    assert.deepEqual(parsePanelState(saved), saved);
    // A draft saved before revisions: saved unconditionally, as then.
    assert.deepEqual(parsePanelState({ draft: { text: '{', baseText: '{}', baseRevision: 7 } }).draft, { text: '{', baseText: '{}' });
  });

  it('falls back to defaults for anything unknown or missing', () => {
    assert.deepEqual(parsePanelState(undefined), defaultPanelState());
    assert.deepEqual(parsePanelState({ tab: 'spend', rulesMode: 'yaml', draft: { text: 1 }, filter: 3, range: { preset: 'forever' }, spendBy: 'colour' }), defaultPanelState());
    // A panel saved before the date range existed shows the last 30 days, stacked by provider.
    assert.deepEqual(parsePanelState({ tab: 'charts' }).range, { preset: '30d' });
  });

  it('drops the selected request when the window moves to another proxy (connect, disconnect, another port), and keeps it otherwise', () => {
    const state = parsePanelState({ tab: 'requests', selectedRequestId: 'req_local_7', proxy: 'local 4319' });
    assert.equal(state.proxy, 'local 4319', 'the proxy is kept across reloads');
    // Starting or stopped: not known which log is shown yet, nothing changes.
    assert.equal(followProxy(state, { state: 'starting', port: 0 }), false);
    assert.equal(followProxy(state, { state: 'running', port: 4319 }), false);
    assert.equal(state.selectedRequestId, 'req_local_7');
    // Connect to a team proxy: the local request is not in the team's log.
    assert.equal(followProxy(state, { state: 'starting', port: 443, team: { url: 'https://team.example' } }), true);
    assert.equal(state.selectedRequestId, undefined);
    assert.equal(state.proxy, 'team https://team.example');
    state.selectedRequestId = 'req_team_1';
    assert.equal(followProxy(state, { state: 'running', port: 443, team: { url: 'https://team.example' } }), false);
    assert.equal(state.selectedRequestId, 'req_team_1');
    // Disconnect: back on the local proxy.
    assert.equal(followProxy(state, { state: 'running', port: 4319 }), true);
    assert.equal(state.selectedRequestId, undefined);
    // A restart on another port.
    state.selectedRequestId = 'req_local_8';
    assert.equal(followProxy(state, { state: 'running', port: 4320 }), true);
    assert.equal(state.selectedRequestId, undefined);
    // A panel saved before the proxy was kept learns it without losing its selection.
    const old = parsePanelState({ selectedRequestId: 'req_old' });
    assert.equal(followProxy(old, { state: 'running', port: 4319 }), false);
    assert.equal(old.selectedRequestId, 'req_old');
  });
});
