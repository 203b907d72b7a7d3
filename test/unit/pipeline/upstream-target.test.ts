import assert from 'node:assert/strict';
import { defaultConfig } from '../../../proxy/config/config';
import { resolveProviders } from '../../../proxy/config/resolve-providers';
import { passthroughHeaders } from '../../../proxy/pipeline/upstream-target';

describe('passthrough headers', () => {
  const providers = resolveProviders(defaultConfig(), { OPENAI_API_KEY: 'sk-provider-key' });
  const openai = providers.get('openai')!;

  it("sends the provider's own key, and a copy each call (a call's additions never reach the next)", () => {
    const first = passthroughHeaders('openai-chat', openai, { source: 'provider', key: 'sk-provider-key' }, {});
    assert.equal(first.authorization, 'Bearer sk-provider-key');
    first['x-added'] = 'one call only';
    const second = passthroughHeaders('openai-chat', openai, { source: 'provider', key: 'sk-provider-key' }, {});
    assert.equal(second['x-added'], undefined);
  });

  it("sends any other key as given, after the provider's own key was sent", () => {
    passthroughHeaders('openai-chat', openai, { source: 'provider', key: 'sk-provider-key' }, {});
    const other = passthroughHeaders('openai-chat', openai, { source: 'provider', key: 'sk-another-key' }, {});
    assert.equal(other.authorization, 'Bearer sk-another-key');
    const none = passthroughHeaders('openai-chat', openai, { source: 'provider', key: undefined }, {});
    assert.equal(none.authorization, undefined);
  });

  it("sends a new provider's key after a key change (providers are resolved anew)", () => {
    passthroughHeaders('openai-chat', openai, { source: 'provider', key: 'sk-provider-key' }, {});
    const changed = resolveProviders(defaultConfig(), { OPENAI_API_KEY: 'sk-new-key' }).get('openai')!;
    assert.equal(passthroughHeaders('openai-chat', changed, { source: 'provider', key: 'sk-new-key' }, {}).authorization, 'Bearer sk-new-key');
  });
});
