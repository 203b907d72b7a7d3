import http from 'node:http';
import https from 'node:https';
import type { CallContent } from '../proxy/control/protocol';
import { baseUrlOf, type ProxyAddress } from './control-client';
import type { ReplayAnswer } from '../webview/protocol';

/**
 * "Replay with…": sends a request the audit log kept through the proxy again, to another model,
 * as the client first sent it (after redaction) but not streamed, and reads the answer's text,
 * cost and latency. It is an ordinary call: it is routed, recorded and priced like any other.
 * `address` is the local proxy's port or a team proxy's base URL; on a team proxy `accessKey` is
 * the user's team key, so the replay is the member's own call, under its allow-list and budgets.
 */
export async function replayCall(address: ProxyAddress, accessKey: string | undefined, content: CallContent, model: string, timeoutMs = 120_000): Promise<ReplayAnswer> {
  const body = { ...(content.request as Record<string, unknown>) };
  let path = content.endpoint;
  if (content.format === 'gemini') {
    path = `/v1beta/models/${encodeURIComponent(model)}:generateContent`;
  } else {
    body.model = model;
    body.stream = false;
    delete body.stream_options;
  }
  // Named so the panel's Tool column says where the call came from.
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Switchyard Replay' };
  if (accessKey !== undefined) {
    headers.authorization = `Bearer ${accessKey}`;
    headers['x-api-key'] = accessKey;
    headers['x-goog-api-key'] = accessKey;
  }
  if (content.format === 'anthropic-messages') headers['anthropic-version'] = '2023-06-01';
  const started = performance.now();
  const answer = await post(baseUrlOf(address), path, JSON.stringify(body), headers, timeoutMs);
  const latencyMs = Math.round(performance.now() - started);
  const cost = answer.headers['x-switchyard-cost-usd'];
  const result: ReplayAnswer = {
    model,
    latencyMs,
    costUsd: typeof cost === 'string' ? Number(cost) : null,
    status: answer.status,
  };
  const requestId = answer.headers['x-switchyard-request-id'];
  if (typeof requestId === 'string') result.requestId = requestId;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    result.error = `The proxy answered ${answer.status} with a body that is not JSON.`;
    return result;
  }
  if (answer.status >= 400) {
    result.error = errorMessage(parsed) ?? `HTTP ${answer.status}`;
    return result;
  }
  result.text = answerText(content.format, parsed);
  return result;
}

/** The text (and tool calls, as `name(arguments)`) of a whole answer in a client format. */
export function answerText(format: CallContent['format'], body: unknown): string {
  const parts: string[] = [];
  const object = (body ?? {}) as Record<string, any>;
  switch (format) {
    case 'openai-chat': {
      const message = object.choices?.[0]?.message ?? {};
      if (typeof message.content === 'string') parts.push(message.content);
      for (const call of message.tool_calls ?? []) parts.push(`${call.function?.name}(${call.function?.arguments})`);
      break;
    }
    case 'openai-responses':
      for (const item of object.output ?? []) {
        if (item.type === 'message') for (const piece of item.content ?? []) if (typeof piece.text === 'string') parts.push(piece.text);
        if (item.type === 'function_call') parts.push(`${item.name}(${item.arguments})`);
      }
      break;
    case 'anthropic-messages':
      for (const block of object.content ?? []) {
        if (block.type === 'text') parts.push(block.text);
        if (block.type === 'tool_use') parts.push(`${block.name}(${JSON.stringify(block.input)})`);
      }
      break;
    case 'gemini':
      for (const part of object.candidates?.[0]?.content?.parts ?? []) {
        if (typeof part.text === 'string' && part.thought !== true) parts.push(part.text);
        if (part.functionCall) parts.push(`${part.functionCall.name}(${JSON.stringify(part.functionCall.args ?? {})})`);
      }
      break;
  }
  return parts.join('\n');
}

function errorMessage(body: unknown): string | undefined {
  const error = (body as { error?: { message?: unknown } } | undefined)?.error;
  return typeof error?.message === 'string' ? error.message : undefined;
}

function post(base: URL, path: string, payload: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  // A team proxy may sit under a path prefix behind a reverse proxy: the model APIs are under it too.
  const prefix = base.pathname.replace(/\/+$/, '');
  const options: http.RequestOptions = {
    hostname: base.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: base.port === '' ? undefined : Number(base.port),
    method: 'POST',
    path: `${prefix}${path}`,
    headers: { ...headers, 'content-length': Buffer.byteLength(payload) },
    timeout: timeoutMs,
  };
  return new Promise((resolve, reject) => {
    const request = (base.protocol === 'https:' ? https : http).request(options, (response) => {
      response.setEncoding('utf8');
      let text = '';
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(payload);
  });
}
