import assert from 'node:assert/strict';
import { FakeUpstream, type RecordedRequest } from '../fakes/fake-upstream';
import { chatCompletionChunks, chatCompletionJson } from '../fakes/openai-chat-replies';
import { anthropicEvents, anthropicMessageJson } from '../fakes/anthropic-replies';
import { TestProxy, controlToken } from './harness';
import { useFake, weatherReply } from './fake-providers';

// Issue 11: redaction of everything a provider sees, in every client format, and restoration.

const secrets = {
  aws: 'AKIAIOSFODNN7EXAMPLE',
  github: `ghp_${'R'.repeat(18)}${'7'.repeat(18)}`,
  email: 'jane.doe@acme-corp.io',
  card: '4111 1111 1111 1111',
  password: 'hunter2hunter2!',
  /** In a tool call's arguments under the key `password`: an object in Anthropic's and Gemini's formats, a JSON string in OpenAI's. */
  toolPassword: 'Tr0ub4dor&3-horse',
  ticket: 'TCK-123456',
};
const envFile = `AWS_ACCESS_KEY_ID=${secrets.aws}\nDB_PASSWORD=${secrets.password}\nGITHUB_TOKEN=${secrets.github}\n`;

/** Each client format's body with a secret in the system prompt, a message, a tool call's arguments (keyed by `password` too) and a tool result. */
const bodies = {
  'openai-chat': (model: string) => ({
    model,
    messages: [
      { role: 'system', content: `Support bot. Escalate to ${secrets.email}.` },
      { role: 'user', content: `Here is my .env:\n${envFile}` },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'charge', arguments: JSON.stringify({ card: secrets.card, password: secrets.toolPassword }) } }] },
      { role: 'tool', tool_call_id: 'call_1', content: `charged, ticket ${secrets.ticket}` },
      { role: 'user', content: 'Which key did I paste?' },
    ],
  }),
  'openai-responses': (model: string) => ({
    model,
    instructions: `Support bot. Escalate to ${secrets.email}.`,
    input: [
      { role: 'user', content: [{ type: 'input_text', text: `Here is my .env:\n${envFile}` }] },
      { type: 'function_call', call_id: 'call_1', name: 'charge', arguments: JSON.stringify({ card: secrets.card, password: secrets.toolPassword }) },
      { type: 'function_call_output', call_id: 'call_1', output: `charged, ticket ${secrets.ticket}` },
      { role: 'user', content: 'Which key did I paste?' },
    ],
  }),
  anthropic: (model: string) => ({
    model,
    max_tokens: 100,
    system: [{ type: 'text', text: `Support bot. Escalate to ${secrets.email}.` }],
    messages: [
      { role: 'user', content: `Here is my .env:\n${envFile}` },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'charge', input: { card: secrets.card, password: secrets.toolPassword } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: `charged, ticket ${secrets.ticket}` }, { type: 'text', text: 'Which key did I paste?' }] },
    ],
  }),
  gemini: () => ({
    systemInstruction: { parts: [{ text: `Support bot. Escalate to ${secrets.email}.` }] },
    contents: [
      { role: 'user', parts: [{ text: `Here is my .env:\n${envFile}` }] },
      { role: 'model', parts: [{ functionCall: { name: 'charge', args: { card: secrets.card, password: secrets.toolPassword } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'charge', response: { result: `charged, ticket ${secrets.ticket}` } } }, { text: 'Which key did I paste?' }] },
    ],
  }),
};

const paths = { 'openai-chat': '/v1/chat/completions', 'openai-responses': '/v1/responses', anthropic: '/v1/messages' } as const;
/** Per client format: a model that passes through, and one that is translated. */
const models = {
  'openai-chat': { passthrough: 'groq/llama-3.3-70b-versatile', translated: 'anthropic/claude-sonnet-4-6' },
  'openai-responses': { passthrough: 'openai/gpt-5-codex', translated: 'gemini/gemini-2.5-flash' },
  anthropic: { passthrough: 'anthropic/claude-sonnet-4-6', translated: 'groq/llama-3.3-70b-versatile' },
  gemini: { passthrough: 'gemini-2.5-flash', translated: 'claude-sonnet-4-6' },
} as const;

async function send(proxy: TestProxy, format: keyof typeof bodies, model: string, stream = false): Promise<Response> {
  if (format === 'gemini') {
    const path = `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
    return fetch(proxy.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bodies.gemini()) });
  }
  return fetch(proxy.url + paths[format], { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...bodies[format](model), stream }) });
}

function assertRedacted(upstream: RecordedRequest): void {
  const text = upstream.raw.toString('utf8');
  for (const [name, value] of Object.entries(secrets)) assert.ok(!text.includes(value) && !text.includes(JSON.stringify(value).slice(1, -1)), `${name} reached the provider: ${text}`);
  for (const placeholder of ['<EMAIL_1>', '<AWS_KEY_1>', '<GITHUB_TOKEN_1>', '<CARD_1>', '<TICKET_1>']) assert.ok(text.includes(placeholder), `${placeholder} missing upstream: ${text}`);
}

describe('redaction (issue 11)', () => {
  let fake: FakeUpstream;
  let proxy: TestProxy;

  before(async () => {
    fake = await FakeUpstream.start();
    fake.reply(weatherReply);
  });
  after(async () => {
    await fake.close();
  });
  afterEach(async () => {
    await proxy?.close();
  });

  async function start(redaction: Record<string, unknown>): Promise<void> {
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.redaction = { ...config.redaction, custom: [{ name: 'ticket', pattern: 'TCK-[0-9]{6}' }], ...redaction };
    });
  }

  for (const format of Object.keys(bodies) as Array<keyof typeof bodies>) {
    for (const path of ['passthrough', 'translated'] as const) {
      it(`${format}, ${path}: no original value reaches the provider, placeholders do, and the record counts them`, async () => {
        await start({ mode: 'redact' });
        const response = await send(proxy, format, models[format][path]);
        assert.equal(response.status, 200, await response.clone().text());
        await response.text();
        assertRedacted(fake.last);
        const record = await proxy.record(1);
        assert.equal(record.passthrough, path === 'passthrough');
        // The .env's three and the tool call's keyed password.
        assert.equal(record.redactions?.secrets, 4);
        assert.equal(record.redactions?.email, 1);
        assert.equal(record.redactions?.['credit-card'], 1);
        assert.equal(record.redactions?.ticket, 1);
      });
    }
  }

  it('leaves a passthrough call with no findings byte for byte', async () => {
    await start({ mode: 'redact' });
    const body = JSON.stringify({ model: 'groq/llama-3.3-70b-versatile', messages: [{ role: 'user', content: 'What is the weather in Paris?' }] });
    const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await response.text();
    assert.equal(fake.last.raw.toString('utf8'), body.replace('groq/llama-3.3-70b-versatile', 'llama-3.3-70b-versatile'));
    assert.equal((await proxy.record(1)).redactions, undefined);
  });

  for (const format of Object.keys(bodies) as Array<keyof typeof bodies>) {
    it(`${format}: block mode refuses in the client's format, naming the detector and where, never the value`, async () => {
      await start({ mode: 'block' });
      const before = fake.requests.length;
      const response = await send(proxy, format, models[format].passthrough);
      const text = await response.text();
      assert.equal(response.status, 400);
      assert.equal(fake.requests.length, before, 'nothing reached the provider');
      assert.match(text, /redaction blocked this request: the email detector found an email in (systemInstruction|system|instructions|messages\[0\])/);
      for (const value of Object.values(secrets)) assert.ok(!text.includes(value));
      const error = JSON.parse(text) as Record<string, any>;
      if (format === 'anthropic') assert.equal(error.type, 'error');
      if (format === 'gemini') assert.equal(error.error.status, 'INVALID_ARGUMENT');
      if (format === 'openai-chat' || format === 'openai-responses') assert.equal(error.error.type, 'invalid_request_error');
      const record = await proxy.record(1);
      assert.equal(record.redactionBlocked, true);
      assert.equal(record.status, 400);
    });
  }

  it('counts redactions and blocked calls per day in /stats', async () => {
    proxy = await TestProxy.start((config) => {
      useFake(config, fake);
      config.redaction.mode = 'redact';
      config.rules = [{ match: { model: 'strict' }, route: 'groq/llama-3.3-70b-versatile', redaction: { mode: 'block' } }];
    });
    await (await send(proxy, 'openai-chat', 'groq/llama-3.3-70b-versatile')).text();
    const blocked = await send(proxy, 'openai-chat', 'strict');
    assert.equal(blocked.status, 400, "a rule's own redaction overrides the global one");
    await blocked.text();
    await proxy.record(2);
    const response = await fetch(`${proxy.url}/_switchyard/stats?by=day`, { headers: { authorization: `Bearer ${controlToken}` } });
    const body = (await response.json()) as { rows: Array<{ redactions?: number; blockedRequests?: number }> };
    assert.equal(body.rows.length, 1);
    // Six findings a call (four secrets, an email, a card), for the redacted call and the blocked one.
    assert.equal(body.rows[0]!.redactions, 12);
    assert.equal(body.rows[0]!.blockedRequests, 1);
  });

  it('keeps the same placeholders over three turns of a conversation', async () => {
    await start({ mode: 'redact' });
    const turns = [
      [{ role: 'user', content: `mail ${secrets.email}` }],
      [{ role: 'user', content: `mail ${secrets.email}` }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'and bob@example.org too' }],
      [{ role: 'user', content: `mail ${secrets.email}` }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'and bob@example.org too' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: `again ${secrets.email}` }],
    ];
    const sent: string[] = [];
    for (const messages of turns) {
      await (await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'groq/llama-3.3-70b-versatile', messages }) })).text();
      sent.push(JSON.stringify(fake.last.json.messages));
    }
    assert.match(sent[0]!, /mail <EMAIL_1>/);
    assert.match(sent[1]!, /mail <EMAIL_1>.*<EMAIL_2> too/);
    assert.match(sent[2]!, /mail <EMAIL_1>.*<EMAIL_2> too.*again <EMAIL_1>/);
  });

  it("never uses a placeholder the caller's own text already holds", async () => {
    await start({ mode: 'redact' });
    const body = { model: 'groq/llama-3.3-70b-versatile', messages: [{ role: 'user', content: `the template says <EMAIL_1>; mine is ${secrets.email}` }] };
    await (await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).text();
    assert.match(fake.last.json.messages[0].content, /the template says <EMAIL_1>; mine is <EMAIL_2>/);
  });

  describe('restoration', () => {
    /** A fake that echoes the placeholder it was sent, in text and in a tool call's arguments. */
    function echo(split: (text: string) => string[] | undefined): (request: RecordedRequest) => ReturnType<typeof weatherReply> {
      return (request) => {
        const placeholder = /<AWS_KEY_\d+>/.exec(request.raw.toString('utf8'))?.[0] ?? '<none>';
        const text = `Your key is ${placeholder}, saved.`;
        const toolCalls = [{ id: 'call_save', name: 'write_file', arguments: JSON.stringify({ path: '.env', content: `KEY=${placeholder}\n` }) }];
        if (request.url.startsWith('/v1/messages')) {
          const options = { model: 'claude-sonnet-4-6', text, toolUses: [{ id: 'toolu_save', name: 'write_file', input: { path: '.env', content: `KEY=${placeholder}\n` } }] };
          return request.json.stream ? { chunks: anthropicEvents(options) } : { json: anthropicMessageJson(options) };
        }
        const options = { model: 'llama-3.3-70b-versatile', text, toolCalls, usage: { prompt: 10, completion: 5 } };
        if (!request.json.stream) return { json: chatCompletionJson(options) };
        const pieces = split(placeholder);
        if (pieces === undefined) return { chunks: chatCompletionChunks(options) };
        // The text streamed in the given pieces, so the placeholder is cut where the test says.
        const head = { id: 'chatcmpl-split', object: 'chat.completion.chunk', created: 1, model: 'llama-3.3-70b-versatile' };
        const chunk = (delta: object, finish: string | null = null): string => `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        const textPieces = `Your key is ${placeholder}, saved.`;
        const cuts = pieces.map((piece) => textPieces.indexOf(piece));
        const chunks = [chunk({ role: 'assistant', content: '' })];
        cuts.forEach((start, index) => chunks.push(chunk({ content: textPieces.slice(start, cuts[index + 1] ?? textPieces.length) })));
        const args = JSON.stringify({ path: '.env', content: `KEY=${placeholder}\n` });
        const argsCut = args.indexOf(placeholder) + 4;
        chunks.push(chunk({ tool_calls: [{ index: 0, id: 'call_save', type: 'function', function: { name: 'write_file', arguments: args.slice(0, argsCut) } }] }));
        chunks.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(argsCut) } }] }));
        chunks.push(chunk({}, 'tool_calls'));
        chunks.push(`data: ${JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } })}\n\n`, 'data: [DONE]\n\n');
        return { chunks };
      };
    }
    const ask = (model: string, stream: boolean): Promise<Response> =>
      fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: `my key is ${secrets.aws}` }] }),
      });

    it('restores placeholders in a whole JSON answer, text and tool-call arguments, passthrough and translated', async () => {
      await start({ mode: 'redact', restore: true });
      fake.reply(echo(() => undefined));
      for (const model of ['groq/llama-3.3-70b-versatile', 'anthropic/claude-sonnet-4-6']) {
        const answer = (await (await ask(model, false)).json()) as any;
        const message = answer.choices[0].message;
        assert.equal(message.content, `Your key is ${secrets.aws}, saved.`);
        assert.deepEqual(JSON.parse(message.tool_calls[0].function.arguments), { path: '.env', content: `KEY=${secrets.aws}\n` });
        assert.ok(!fake.last.raw.toString('utf8').includes(secrets.aws));
      }
      fake.reply(weatherReply);
    });

    it('restores a placeholder split at every offset across SSE chunks, and inside streamed tool-call arguments', async () => {
      await start({ mode: 'redact', restore: true });
      const placeholder = '<AWS_KEY_1>';
      for (let offset = 0; offset <= placeholder.length; offset += 1) {
        fake.reply(echo((sent) => ['Your key is ' + sent.slice(0, offset), sent.slice(offset) + ', saved.'].filter((piece) => piece !== '')));
        const text = await (await ask('groq/llama-3.3-70b-versatile', true)).text();
        let content = '';
        let args = '';
        for (const line of text.split('\n')) {
          if (!line.startsWith('data: {')) continue;
          const delta = JSON.parse(line.slice(6)).choices[0]?.delta;
          content += delta?.content ?? '';
          args += delta?.tool_calls?.[0]?.function?.arguments ?? '';
        }
        assert.equal(content, `Your key is ${secrets.aws}, saved.`, `split at ${offset}`);
        assert.deepEqual(JSON.parse(args), { path: '.env', content: `KEY=${secrets.aws}\n` });
      }
      fake.reply(weatherReply);
    });

    it('restores in an Anthropic stream relayed from a passthrough target', async () => {
      await start({ mode: 'redact', restore: true });
      fake.reply(echo(() => undefined));
      const response = await fetch(`${proxy.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 50, stream: true, messages: [{ role: 'user', content: `my key is ${secrets.aws}` }] }),
      });
      const text = await response.text();
      let content = '';
      let input = '';
      for (const line of text.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const event = JSON.parse(line.slice(6));
        if (event.delta?.type === 'text_delta') content += event.delta.text;
        if (event.delta?.type === 'input_json_delta') input += event.delta.partial_json;
      }
      assert.equal(content, `Your key is ${secrets.aws}, saved.`);
      assert.deepEqual(JSON.parse(input), { path: '.env', content: `KEY=${secrets.aws}\n` });
      fake.reply(weatherReply);
    });

    it('a response-cache hit is keyed on the redacted request, stores placeholders and is restored, whole and streamed', async () => {
      proxy = await TestProxy.start((config) => {
        useFake(config, fake);
        config.redaction = { ...config.redaction, mode: 'redact', restore: true };
        config.cache.enabled = true;
      });
      fake.reply(echo(() => undefined));
      const first = await ask('groq/llama-3.3-70b-versatile', false);
      assert.equal(first.headers.get('x-switchyard-cache'), 'miss');
      await first.text();
      const before = fake.requests.length;
      // The fill writes after the response closed.
      for (let wait = 0; wait < 150 && (await proxy.runtime.responseCache!.size()).entries < 1; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
      // One entry answers whole and streamed requests alike.
      for (const stream of [false, true]) {
        const hit = await ask('groq/llama-3.3-70b-versatile', stream);
        assert.equal(hit.headers.get('x-switchyard-cache'), 'hit');
        const text = await hit.text();
        assert.equal(fake.requests.length, before, 'the hit called the provider');
        assert.ok(!text.includes('<AWS_KEY_1>'), `a placeholder reached the client: ${text}`);
        let content = '';
        let args = '';
        if (stream) {
          for (const line of text.split('\n')) {
            if (!line.startsWith('data: {')) continue;
            const delta = JSON.parse(line.slice(6)).choices[0]?.delta;
            content += delta?.content ?? '';
            args += delta?.tool_calls?.[0]?.function?.arguments ?? '';
          }
        } else {
          const message = JSON.parse(text).choices[0].message;
          content = message.content;
          args = message.tool_calls[0].function.arguments;
        }
        assert.equal(content, `Your key is ${secrets.aws}, saved.`);
        assert.deepEqual(JSON.parse(args), { path: '.env', content: `KEY=${secrets.aws}\n` });
      }
      fake.reply(weatherReply);
    });

    it('leaves placeholders in the answer when restore is off', async () => {
      await start({ mode: 'redact', restore: false });
      fake.reply(echo(() => undefined));
      const answer = (await (await ask('groq/llama-3.3-70b-versatile', false)).json()) as any;
      assert.equal(answer.choices[0].message.content, 'Your key is <AWS_KEY_1>, saved.');
      fake.reply(weatherReply);
    });
  });
});
