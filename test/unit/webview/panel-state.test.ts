import assert from 'node:assert/strict';
import { defaultPanelState, parsePanelState } from '../../../webview/panel-state';

describe('webview panel state', () => {
  it('restores what was saved', () => {
    const saved = { tab: 'rules', selectedRequestId: 'req_1', filter: 'error', rulesMode: 'json', draft: { text: '{', baseText: '{}' } };
    assert.deepEqual(parsePanelState(saved), saved);
  });

  it('falls back to defaults for anything unknown or missing', () => {
    assert.deepEqual(parsePanelState(undefined), defaultPanelState());
    assert.deepEqual(parsePanelState({ tab: 'spend', rulesMode: 'yaml', draft: { text: 1 }, filter: 3 }), defaultPanelState());
  });
});
