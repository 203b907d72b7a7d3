import assert from 'node:assert/strict';
import { defaultPanelState, parsePanelState } from '../../../webview/panel-state';

describe('webview panel state', () => {
  it('restores what was saved', () => {
    const saved = { tab: 'rules', selectedRequestId: 'req_1', filter: 'error', range: { preset: 'custom', from: '2026-12-01', to: '2026-12-03' }, spendBy: 'model', rulesMode: 'json', draft: { text: '{', baseText: '{}' } };
    assert.deepEqual(parsePanelState(saved), saved);
  });

  it('falls back to defaults for anything unknown or missing', () => {
    assert.deepEqual(parsePanelState(undefined), defaultPanelState());
    assert.deepEqual(parsePanelState({ tab: 'spend', rulesMode: 'yaml', draft: { text: 1 }, filter: 3, range: { preset: 'forever' }, spendBy: 'colour' }), defaultPanelState());
    // A panel saved before the date range existed shows the last 30 days, stacked by provider.
    assert.deepEqual(parsePanelState({ tab: 'charts' }).range, { preset: '30d' });
  });
});
