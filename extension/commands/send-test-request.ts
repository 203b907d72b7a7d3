import http from 'node:http';
import * as vscode from 'vscode';
import type { SwitchyardCommand } from '../services';

/** The cheap current model each preset provider is tested with; others use their first listed model. */
const testModels: Readonly<Record<string, string>> = {
  anthropic: 'anthropic/claude-haiku-4-5',
  openai: 'openai/gpt-4.1-mini',
  gemini: 'gemini/gemini-2.5-flash',
  groq: 'groq/llama-3.1-8b-instant',
  mistral: 'mistral/mistral-small-latest',
  xai: 'xai/grok-3-mini',
  deepinfra: 'deepinfra/meta-llama/Llama-3.3-70B-Instruct-Turbo',
  cerebras: 'cerebras/gpt-oss-120b',
};

/** What the test request got, for tests and the walkthrough. */
export interface TestRequestResult {
  /** The request's id in the panel. */
  id: string | undefined;
  model: string;
  status: number;
  /** The answer's text, or the error the proxy gave. */
  text: string;
}

/**
 * "Switchyard: Send Test Request": one short chat completion through the proxy, exactly as a
 * tool would send it (the local key, the OpenAI-style endpoint), to a cheap model of a provider
 * that has a key; then the panel opens on its record. Takes the model (`provider/model`) as an
 * argument.
 */
export const sendTestRequestCommand: SwitchyardCommand = {
  id: 'switchyard.sendTestRequest',
  async run(services, modelArgument?: unknown): Promise<TestRequestResult | undefined> {
    const client = await services.proxy.ready();
    let model = typeof modelArgument === 'string' && modelArgument !== '' ? modelArgument : undefined;
    if (model === undefined) {
      const { providers } = await client.providers();
      const keyed = providers.filter((provider) => provider.keySource !== 'none').map((provider) => provider.id);
      if (keyed.length === 0) {
        const choice = await vscode.window.showWarningMessage('No provider has a key yet, so there is nobody to send a test request to.', 'Set Provider Key');
        if (choice === 'Set Provider Key') void vscode.commands.executeCommand('switchyard.setProviderKey');
        return undefined;
      }
      const preferred = keyed.find((id) => testModels[id] !== undefined);
      if (preferred !== undefined) model = testModels[preferred];
      else {
        const { models } = await client.models();
        model = models.find((known) => keyed.includes(known.provider) && !known.disabled)?.id;
      }
      if (model === undefined) {
        void vscode.window.showWarningMessage(`No model known for ${keyed.join(', ')}. Run "Switchyard: Send Test Request" with a provider/model as its argument.`);
        return undefined;
      }
    }
    const settings = services.settings();
    const localKey = settings.requireLocalKey ? await services.secrets.localKey() : 'switchyard-no-key-needed';
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Switchyard: asking ${model}…` }, () => post(settings.port, localKey, model));
    services.log(`test request to ${model}: ${result.status} ${result.text.slice(0, 200)}`);
    if (result.id !== undefined) await services.openPanel(result.id);
    if (result.status === 200) void vscode.window.showInformationMessage(`${model} answered through Switchyard: “${result.text.trim().slice(0, 120)}” — its row is in the panel.`);
    else void vscode.window.showErrorMessage(`The test request to ${model} failed (${result.status}): ${result.text}`);
    return result;
  },
};

function post(port: number, key: string, model: string): Promise<TestRequestResult> {
  const body = JSON.stringify({ model, max_tokens: 32, messages: [{ role: 'user', content: 'Say hello in five words.' }] });
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${key}`, 'user-agent': 'switchyard-test/1.0' },
        timeout: 60_000,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const id = response.headers['x-switchyard-request-id'];
          let answer = text;
          try {
            const parsed = JSON.parse(text) as { choices?: Array<{ message?: { content?: string } }>; error?: { message?: string } };
            answer = parsed.choices?.[0]?.message?.content ?? parsed.error?.message ?? text;
          } catch {
            // Not JSON: the text as it came.
          }
          resolve({ id: typeof id === 'string' ? id : undefined, model, status: response.statusCode ?? 0, text: answer });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('no answer within 60 s')));
    request.on('error', reject);
    request.end(body);
  });
}
