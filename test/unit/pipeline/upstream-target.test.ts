import assert from 'node:assert/strict';
import { defaultConfig } from '../../../proxy/config/config';
import { resolveProviders } from '../../../proxy/config/resolve-providers';
import { passthroughHeaders } from '../../../proxy/pipeline/upstream-target';
import type { UpstreamHeaders } from '../../../proxy/upstream/upstream-client';

/** The headers as undici will send them, one entry a name: a name listed twice fails the test. */
function sent(headers: UpstreamHeaders): Record<string, string> {
  if (!Array.isArray(headers)) return { ...(headers as Record<string, string>) };
  const list = headers as readonly string[];
  assert.equal(list.length % 2, 0, 'names and values in pairs');
  const object: Record<string, string> = {};
  for (let index = 0; index < list.length; index += 2) {
    const name = list[index]!.toLowerCase();
    assert.ok(!(name in object), `${name} sent twice`);
    object[name] = list[index + 1]!;
  }
  return object;
}

describe('passthrough headers', () => {
  const providers = resolveProviders(defaultConfig(), { OPENAI_API_KEY: 'sk-provider-key', ANTHROPIC_API_KEY: 'sk-ant-provider-key' });
  const openai = providers.get('openai')!;
  const anthropic = providers.get('anthropic')!;
  const ownKey = { source: 'provider', key: 'sk-provider-key' } as const;

  it("sends the provider's own key as one list made once and shared", () => {
    const first = passthroughHeaders('openai-chat', openai, ownKey, {});
    assert.deepEqual(sent(first), { 'content-type': 'application/json', 'accept-encoding': 'identity', authorization: 'Bearer sk-provider-key' });
    assert.ok(Array.isArray(first));
    assert.equal(passthroughHeaders('openai-chat', openai, ownKey, { authorization: 'Bearer sk-local' }), first, 'the same list, no copy');
  });

  it("sends any other key as given, after the provider's own key was sent", () => {
    passthroughHeaders('openai-chat', openai, ownKey, {});
    const other = passthroughHeaders('openai-chat', openai, { source: 'provider', key: 'sk-another-key' }, {});
    assert.equal(sent(other).authorization, 'Bearer sk-another-key');
    const none = passthroughHeaders('openai-chat', openai, { source: 'provider', key: undefined }, {});
    assert.equal(sent(none).authorization, undefined);
  });

  it("sends a new provider's key after a key change (providers are resolved anew)", () => {
    passthroughHeaders('openai-chat', openai, ownKey, {});
    const changed = resolveProviders(defaultConfig(), { OPENAI_API_KEY: 'sk-new-key' }).get('openai')!;
    assert.equal(sent(passthroughHeaders('openai-chat', changed, { source: 'provider', key: 'sk-new-key' }, {})).authorization, 'Bearer sk-new-key');
  });

  it("adds the client's Anthropic version and betas to a copy of the provider's list, and only those", () => {
    const key = { source: 'provider', key: 'sk-ant-provider-key' } as const;
    const bare = passthroughHeaders('anthropic-messages', anthropic, key, {});
    const client = { 'anthropic-version': '2023-06-01', 'anthropic-beta': ['a-2025-01-01', 'b-2025-02-02'], 'x-api-key': 'sk-local', 'user-agent': 'claude-cli' };
    const withVersion = passthroughHeaders('anthropic-messages', anthropic, key, client);
    assert.deepEqual(sent(withVersion), { ...sent(bare), 'anthropic-version': '2023-06-01', 'anthropic-beta': 'a-2025-01-01,b-2025-02-02' });
    assert.equal(sent(withVersion)['x-api-key'], 'sk-ant-provider-key');
    assert.deepEqual(sent(passthroughHeaders('anthropic-messages', anthropic, key, {})), sent(bare), "the shared list kept no call's version");
  });

  it("lets the client's Anthropic betas replace configured ones, sent once, and keeps the adapter's version when the client names none", () => {
    const config = defaultConfig();
    const configured = resolveProviders(
      { ...config, providers: { ...config.providers, anthropic: { ...config.providers.anthropic, headers: { 'anthropic-beta': 'configured-2020-01-01', 'x-team': 'eval' } } } },
      { ANTHROPIC_API_KEY: 'sk-ant-provider-key' },
    ).get('anthropic')!;
    const key = { source: 'provider', key: 'sk-ant-provider-key' } as const;
    const bare = sent(passthroughHeaders('anthropic-messages', configured, key, {}));
    assert.equal(bare['anthropic-beta'], 'configured-2020-01-01');
    assert.equal(bare['anthropic-version'], '2023-06-01');
    const withBeta = sent(passthroughHeaders('anthropic-messages', configured, key, { 'anthropic-beta': 'client-2025-01-01' }));
    assert.deepEqual(withBeta, { ...bare, 'anthropic-beta': 'client-2025-01-01' });
    const withVersion = sent(passthroughHeaders('anthropic-messages', configured, key, { 'anthropic-version': '2026-10-21' }));
    assert.deepEqual(withVersion, { ...bare, 'anthropic-version': '2026-10-21' });
  });
});
