import assert from 'node:assert/strict';
import { answerOf, fakeUsage, testKeys } from '../harness/fake-providers';
import { askAnthropic, askOpenAi, clientKey } from '../harness/clients';
import { clientKeyFromClipboard, openPanel, requestRow, rowCells, selectRequest, setProviderKeyThroughPalette, waitForProviderKey } from '../harness/switchyard';
import { uiContext } from '../harness/ui-context';
import { clearNotifications, screenshot } from '../harness/workbench';

describe('requests through the proxy, in the panel', () => {
  const sent: Array<{ id: string; model: string }> = [];

  it('copies connection settings with both base URLs, the local key and env lines for Claude Code and Codex', async () => {
    const { page, proxyPort } = uiContext();
    const { key, text } = await clientKeyFromClipboard(page);
    const origin = `http://127.0.0.1:${proxyPort}`;
    assert.ok(key !== undefined && key.length >= 16, `no local key in:\n${text}`);
    assert.ok(text.includes(`ANTHROPIC_BASE_URL=${origin} ANTHROPIC_API_KEY=${key} claude`), text);
    assert.ok(text.includes(`OPENAI_BASE_URL=${origin}/v1 OPENAI_API_KEY=${key} codex`), text);
  });

  it('forwards an OpenAI SDK call to the fake provider with the stored key', async () => {
    const context = uiContext();
    const before = context.fakes.openai.requests.length;
    const answer = await askOpenAi(context, 'gpt-4o-mini');
    assert.equal(answer.text, answerOf('openai'));
    assert.equal(answer.provider, 'openai');
    const received = context.fakes.openai.requests.slice(before);
    assert.equal(received.length, 1);
    assert.equal(received[0]?.headers.authorization, `Bearer ${testKeys.openai}`);
    sent.push({ id: answer.id, model: 'gpt-4o-mini' });
  });

  it('streams an OpenAI SDK call', async () => {
    const answer = await askOpenAi(uiContext(), 'gpt-4o-mini', { stream: true });
    assert.equal(answer.text, answerOf('openai'));
    sent.push({ id: answer.id, model: 'gpt-4o-mini' });
  });

  it('forwards an Anthropic SDK call once the Anthropic key is set', async () => {
    const context = uiContext();
    await setProviderKeyThroughPalette(context.page, 'anthropic', testKeys.anthropic);
    await waitForProviderKey(context, 'anthropic', testKeys.anthropic.slice(-4));
    const answer = await askAnthropic(context, 'claude-sonnet-4-6');
    assert.equal(answer.text, answerOf('anthropic'));
    assert.equal(context.fakes.anthropic.last.headers['x-api-key'], testKeys.anthropic);
    sent.push({ id: answer.id, model: 'claude-sonnet-4-6' });
  });

  it('lists every request in the panel with model, provider, status, tokens and cost', async () => {
    const { page } = uiContext();
    const panel = await openPanel(page);
    for (const { id, model } of sent) {
      const row = requestRow(panel, id);
      await row.waitFor();
      const cells = await rowCells(row);
      assert.match(cells.requestedModel ?? '', new RegExp(model));
      assert.match(cells.status ?? '', /200/);
      assert.match(cells.tokens ?? '', new RegExp(String(fakeUsage.prompt)));
      assert.ok((cells.cost ?? '') !== '', `no cost in ${JSON.stringify(cells)}`);
      assert.ok((cells.latency ?? '') !== '', `no latency in ${JSON.stringify(cells)}`);
    }
    const openAiRow = await rowCells(requestRow(panel, sent[0]!.id));
    assert.match(openAiRow.served ?? '', /openai/);
    assert.match(openAiRow.tool ?? '', /^OpenAI SDK \(JS\) \d+\.\d+/, 'the Tool column names the SDK and its version');
    assert.equal(openAiRow.error, '');
    const anthropicRow = await rowCells(requestRow(panel, sent[2]!.id));
    assert.match(anthropicRow.served ?? '', /anthropic/);
    assert.match(anthropicRow.tool ?? '', /^Anthropic SDK \(JS\) \d+\.\d+/);
  });

  it('names Claude Code from its user agent, and shows an error and an empty "Served by" for a call nothing served', async () => {
    const context = uiContext();
    const panel = await openPanel(context.page);
    const key = await clientKey(context);
    const post = (model: string) =>
      fetch(`http://127.0.0.1:${context.proxyPort}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01', 'user-agent': 'claude-cli/2.1.105 (external, cli)', 'x-app': 'cli' },
        body: JSON.stringify({ model, max_tokens: 32, messages: [{ role: 'user', content: 'Say hello.' }] }),
      });
    const served = await post('claude-sonnet-4-6');
    assert.equal(served.status, 200);
    await served.text();
    const servedRow = requestRow(panel, served.headers.get('x-switchyard-request-id') ?? '');
    await servedRow.waitFor();
    assert.equal((await rowCells(servedRow)).tool, 'Claude Code 2.1.105');
    const failed = await post('nobody/no-such-model');
    assert.ok(failed.status >= 400);
    await failed.text();
    const failedRow = requestRow(panel, failed.headers.get('x-switchyard-request-id') ?? '');
    await failedRow.waitFor();
    const cells = await rowCells(failedRow);
    assert.equal(cells.tool, 'Claude Code 2.1.105');
    assert.equal(cells.served, '—');
    assert.ok((cells.error ?? '').length > 0, `no error in ${JSON.stringify(cells)}`);
  });

  it('a call without the local key is refused naming the fix, and the panel says so with its user agent', async () => {
    const context = uiContext();
    const panel = await openPanel(context.page);
    const response = await fetch(`http://127.0.0.1:${context.proxyPort}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'user-agent': 'claude-cli/2.1.105 (external, cli)' },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(response.status, 401);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /"Switchyard: Copy Connection Settings"/);
    const notice = panel.locator('.refusal-notice[data-reason="no-key"]');
    await notice.waitFor();
    assert.match(await notice.innerText(), /refused: no local key — from user agent claude-cli\/2\.1\.105/);
    await screenshot(context.page, 'e2e-dark-refusal-notice');
    await notice.locator('.notice-dismiss').click();
    await notice.waitFor({ state: 'hidden' });
    // The one-time warning about it (for when the panel is closed) is not needed here.
    await clearNotifications(context.page);
  });

  it('adds a row live when a request finishes while the panel is open', async () => {
    const context = uiContext();
    const panel = await openPanel(context.page);
    const answer = await askOpenAi(context, 'gpt-4o-mini');
    await requestRow(panel, answer.id).waitFor();
    sent.push({ id: answer.id, model: 'gpt-4o-mini' });
  });

  it('shows a request’s decision and attempts in the detail pane', async () => {
    const { page } = uiContext();
    const panel = await openPanel(page);
    await selectRequest(panel, sent[0]!.id);
    const detail = panel.locator('#request-detail');
    await detail.getByText('openai/gpt-4o-mini').first().waitFor();
    const attempts = panel.locator('#request-detail [data-attempt]');
    assert.equal(await attempts.count(), 1);
    assert.match(await attempts.first().innerText(), /openai\/gpt-4o-mini/);
  });
});
