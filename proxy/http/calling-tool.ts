import type { IncomingHttpHeaders } from 'node:http';

/** The program that made a call, as its user agent and headers say: `Claude Code` `2.1.105`. */
export interface CallingTool {
  /** A display name: `Claude Code`, `Codex CLI`, `OpenAI SDK (JS)`, `curl`, or the agent's own product name. */
  name: string;
  version?: string;
}

/** A user agent longer than this is cut when kept in a record or shown in a notice. */
export const userAgentLimit = 200;

/**
 * Coding tools first, each by the product token it puts first in its user agent; a tool built
 * on an SDK overrides the SDK's agent, so this order never mistakes one for the other.
 * Strings as the tools send them (see test/unit/http/calling-tool.test.ts for real examples).
 */
const productNames: ReadonlyArray<readonly [pattern: RegExp, name: string]> = [
  // Claude Code: `claude-cli/2.1.105 (external, cli)`; the Agent SDK runs the same CLI. Seen as
  // `claude-code/2.1.45` too.
  [/^claude-(?:cli|code)\/(\S+)/i, 'Claude Code'],
  // Codex CLI: `codex_cli_rs/0.38.0 (Ubuntu 24.04.2 LTS; x86_64) WindowsTerminal`; `codex exec`
  // sends `codex_exec/…`.
  [/^codex_(?:cli_rs|exec|vscode)\/(\S+)/i, 'Codex CLI'],
  // Gemini CLI sets `GeminiCLI/0.1.5 (darwin; arm64)` on the @google/genai client it uses.
  [/^GeminiCLI\/(\S+)/, 'Gemini CLI'],
  [/^Cline\/(\S+)/i, 'Cline'],
  [/^RooCode\/(\S+)/i, 'Roo Code'],
  [/^Kilo-?Code\/(\S+)/i, 'Kilo Code'],
  [/^opencode\/(\S+)/i, 'opencode'],
  [/^Continue\/(\S+)/i, 'Continue'],
  [/^aider\/(\S+)/i, 'aider'],
  [/^litellm\/(\S+)/i, 'LiteLLM'],
  // "Switchyard: Send Test Request" from the VS Code extension.
  [/^switchyard-test\/(\S+)/, 'Switchyard test request'],
  // The official SDKs: `OpenAI/JS 6.3.0`, `OpenAI/Python 1.99.9`, `AsyncOpenAI/Python 1.99.9`,
  // `Anthropic/JS 0.60.0`, `Anthropic/Python 0.64.0`; @google/genai sends
  // `google-genai-sdk/1.30.0 gl-node/v20.19.0` (Python: `gl-python/3.12.1`).
  [/^(?:Async)?OpenAI\/JS (\S+)/, 'OpenAI SDK (JS)'],
  [/^(?:Async)?OpenAI\/Python (\S+)/, 'OpenAI SDK (Python)'],
  [/^(?:Async)?OpenAI\/Java (\S+)/, 'OpenAI SDK (Java)'],
  [/^(?:Async)?OpenAI\/Go (\S+)/, 'OpenAI SDK (Go)'],
  [/^(?:Async)?Anthropic\/JS (\S+)/, 'Anthropic SDK (JS)'],
  [/^(?:Async)?Anthropic\/Python (\S+)/, 'Anthropic SDK (Python)'],
  [/^google-genai-sdk\/(\S+) gl-node/, 'Google Gen AI SDK (JS)'],
  [/^google-genai-sdk\/(\S+) gl-python/, 'Google Gen AI SDK (Python)'],
  [/^google-genai-sdk\/(\S+)/, 'Google Gen AI SDK'],
  [/^curl\/(\S+)/i, 'curl'],
  [/^Wget\/(\S+)/i, 'Wget'],
  [/^python-requests\/(\S+)/, 'Python requests'],
  [/^python-httpx\/(\S+)/, 'Python httpx'],
  [/^aiohttp\/(\S+)/i, 'Python aiohttp'],
  [/^Python-urllib\/(\S+)/, 'Python urllib'],
  [/^Go-http-client\/(\S+)/, 'Go net/http'],
  [/^PostmanRuntime\/(\S+)/, 'Postman'],
  [/^insomnia\/(\S+)/i, 'Insomnia'],
];

/**
 * Which tool made a call, from its headers: the user agent first, then the headers tools send
 * beside a generic agent (Codex's `originator`, the `X-Title` / `HTTP-Referer` app headers
 * OpenRouter made common, Claude Code's `x-app` and beta flag, the Google client header).
 * Undefined when nothing names one. A handful of regular-expression tests on a short string:
 * called when the record is written, after the answer went out.
 */
export function recognizeCallingTool(headers: IncomingHttpHeaders): CallingTool | undefined {
  const userAgent = single(headers['user-agent'])?.trim() ?? '';
  const fromAgent = userAgent === '' ? undefined : byProduct(userAgent);
  if (fromAgent !== undefined && !isGenericAgent(fromAgent)) return fromAgent;
  const fromHeaders = byHeaders(headers);
  return fromHeaders ?? fromAgent ?? (userAgent === '' ? undefined : firstProduct(userAgent));
}

/** The user agent as kept in a record: trimmed, cut to {@link userAgentLimit}; undefined when absent. */
export function recordedUserAgent(headers: IncomingHttpHeaders): string | undefined {
  const userAgent = single(headers['user-agent'])?.trim();
  if (userAgent === undefined || userAgent === '') return undefined;
  return userAgent.length > userAgentLimit ? `${userAgent.slice(0, userAgentLimit - 1)}…` : userAgent;
}

/** `Claude Code 2.1.105`, or the name alone. */
export function describeCallingTool(tool: CallingTool): string {
  return tool.version === undefined ? tool.name : `${tool.name} ${tool.version}`;
}

/**
 * What {@link productNames} made of each user agent seen lately. A tool sends the same agent on
 * every call, and an agent no pattern knows is tried against all of them (~35 regular
 * expressions, 1–2 µs a record). Bounded: cleared when full, so a client that varies its agent
 * costs only the tests it would cost anyway.
 */
const productsSeen = new Map<string, CallingTool | null>();
const productsSeenLimit = 64;

function byProduct(userAgent: string): CallingTool | undefined {
  const seen = productsSeen.get(userAgent);
  if (seen !== undefined) return seen ?? undefined;
  let found: CallingTool | undefined;
  for (const [pattern, name] of productNames) {
    const match = pattern.exec(userAgent);
    if (match !== null) {
      found = tool(name, match[1]);
      break;
    }
  }
  if (productsSeen.size >= productsSeenLimit) productsSeen.clear();
  productsSeen.set(userAgent, found ?? null);
  return found;
}

/** SDKs and HTTP libraries a tool may call through while naming itself in another header. */
function isGenericAgent(found: CallingTool): boolean {
  return /SDK|requests|httpx|aiohttp|urllib|net\/http/.test(found.name);
}

function byHeaders(headers: IncomingHttpHeaders): CallingTool | undefined {
  const originator = single(headers.originator);
  if (originator !== undefined && /^codex/i.test(originator)) return tool('Codex CLI', single(headers.version));
  if (single(headers['x-app']) === 'cli' || single(headers['anthropic-beta'])?.includes('claude-code-') === true) return tool('Claude Code', undefined);
  const title = single(headers['x-title'])?.toLowerCase() ?? '';
  const referer = single(headers['http-referer'])?.toLowerCase() ?? single(headers.referer)?.toLowerCase() ?? '';
  if (title === 'cline' || referer.includes('cline.bot')) return tool('Cline', undefined);
  if (title === 'continue' || referer.includes('continue.dev')) return tool('Continue', undefined);
  if (title === 'aider' || referer.includes('aider.chat')) return tool('aider', undefined);
  if (title === 'opencode' || referer.includes('opencode.ai')) return tool('opencode', undefined);
  if (title === 'roo code' || referer.includes('roocode') || referer.includes('roo-cline')) return tool('Roo Code', undefined);
  const googleClient = single(headers['x-goog-api-client']);
  if (googleClient !== undefined) {
    const match = /google-genai-sdk\/(\S+)/.exec(googleClient);
    if (match !== null) return tool(googleClient.includes('gl-python') ? 'Google Gen AI SDK (Python)' : 'Google Gen AI SDK (JS)', match[1]);
  }
  return undefined;
}

/** An agent nobody listed: its first product token (`MyTool/1.2 (linux)` → MyTool 1.2). */
function firstProduct(userAgent: string): CallingTool {
  const match = /^([^\s/()]{1,40})(?:\/([^\s()]{1,20}))?/.exec(userAgent);
  if (match === null) return { name: userAgent.slice(0, 40) };
  // Node's fetch says only `node`; Bun and Deno name themselves.
  if (match[1] === 'node') return tool('Node.js fetch', match[2]);
  return tool(match[1]!, match[2]);
}

function tool(name: string, version: string | undefined): CallingTool {
  const cleaned = version?.replace(/^v(?=\d)/, '').replace(/[;,)]+$/, '');
  return cleaned === undefined || cleaned === '' ? { name } : { name, version: cleaned.slice(0, 20) };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
