import type { FilePart, ReasoningPart, TextPart, ToolCallPart, ToolResultPart } from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';
import { extraKeys, invalidRequest } from '../decode-fields';

const textKeys: ReadonlySet<string> = new Set(['type', 'text', 'cache_control', 'citations']);
const imageKeys: ReadonlySet<string> = new Set(['type', 'source', 'cache_control']);
const documentKeys: ReadonlySet<string> = new Set(['type', 'source', 'cache_control', 'citations', 'title', 'context']);
const toolUseKeys: ReadonlySet<string> = new Set(['type', 'id', 'name', 'input', 'cache_control']);
const toolResultKeys: ReadonlySet<string> = new Set(['type', 'tool_use_id', 'content', 'is_error', 'cache_control']);

/** State shared while decoding one request's messages. */
export interface DecodeState {
  /** Tool names by tool_use id, so tool results can name their tool (Gemini needs it). */
  toolNames: Map<string, string>;
}

/** A `text` block; `cache_control`, citations and unknown fields ride in `providerOptions.anthropic`. */
export function decodeTextBlock(block: JsonObject, path: string): TextPart {
  if (typeof block.text !== 'string') throw invalidRequest(`${path}.text: must be a string.`, 'messages');
  const part: TextPart = { type: 'text', text: block.text };
  let anthropic: JsonObject | undefined;
  if (block.cache_control != null) (anthropic ??= {}).cacheControl = block.cache_control;
  if (block.citations != null) (anthropic ??= {}).citations = block.citations;
  const extra = extraKeys(block, textKeys);
  if (extra) (anthropic ??= {}).extra = extra;
  if (anthropic) part.providerOptions = { anthropic };
  return part;
}

/** A `thinking` block with its signature, which must come back byte for byte. */
export function decodeThinkingBlock(block: JsonObject, path: string): ReasoningPart {
  if (typeof block.thinking !== 'string') throw invalidRequest(`${path}.thinking: must be a string.`, 'messages');
  const part: ReasoningPart = { type: 'reasoning', text: block.thinking };
  // An empty signature comes from a thinking block that no Anthropic model signed.
  if (typeof block.signature === 'string' && block.signature !== '') part.signature = block.signature;
  return part;
}

/** A `tool_use` block; remembers its tool name for the result that answers it. */
export function decodeToolUseBlock(block: JsonObject, path: string, state: DecodeState): ToolCallPart {
  if (typeof block.id !== 'string' || typeof block.name !== 'string') {
    throw invalidRequest(`${path}: tool_use blocks need a string "id" and "name".`, 'messages');
  }
  const input = block.input;
  const part: ToolCallPart = {
    type: 'tool-call',
    id: block.id,
    name: block.name,
    // Some clients send the arguments already as JSON text.
    input: typeof input === 'string' ? input : JSON.stringify(input ?? {}),
  };
  state.toolNames.set(block.id, block.name);
  let anthropic: JsonObject | undefined;
  if (block.cache_control != null) (anthropic ??= {}).cacheControl = block.cache_control;
  const extra = extraKeys(block, toolUseKeys);
  if (extra) (anthropic ??= {}).extra = extra;
  if (anthropic) part.providerOptions = { anthropic };
  return part;
}

/** A `tool_result` block, named after the `tool_use` it answers when that came earlier. */
export function decodeToolResultBlock(block: JsonObject, path: string, state: DecodeState): ToolResultPart {
  if (typeof block.tool_use_id !== 'string') {
    throw invalidRequest(`${path}.tool_use_id: must be the id of the tool_use block this result answers.`, 'messages');
  }
  const part: ToolResultPart = { type: 'tool-result', toolCallId: block.tool_use_id, content: [] };
  const toolName = state.toolNames.get(block.tool_use_id);
  if (toolName !== undefined) part.toolName = toolName;
  let anthropic: JsonObject | undefined;
  const content = block.content;
  if (typeof content === 'string') {
    part.content.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    for (let index = 0; index < content.length; index++) {
      const item = content[index];
      const itemPath = `${path}.content.${index}`;
      if (!isObject(item) || typeof item.type !== 'string') {
        throw invalidRequest(`${itemPath}: each content block must be an object with a "type".`, 'messages');
      }
      if (item.type === 'text') part.content.push(decodeTextBlock(item, itemPath));
      else if (item.type === 'image') part.content.push(decodeImageBlock(item, itemPath));
      else if (item.type === 'document') part.content.push(decodeDocumentBlock(item, itemPath));
      else part.content.push(keepBlock(item));
    }
    // One plain text block would otherwise come back as the string shorthand.
    if (content.length === 1 && part.content[0]?.type === 'text' && !part.content[0].providerOptions) {
      (anthropic ??= {}).contentAsBlocks = true;
    }
  } else if (content !== undefined && content !== null) {
    throw invalidRequest(`${path}.content: must be a string or an array of content blocks.`, 'messages');
  }
  if (block.is_error === true) part.isError = true;
  if (block.cache_control != null) (anthropic ??= {}).cacheControl = block.cache_control;
  const extra = extraKeys(block, toolResultKeys);
  if (extra) (anthropic ??= {}).extra = extra;
  if (anthropic) part.providerOptions = { anthropic };
  return part;
}

/** An `image` block from base64, a URL or a Files API id; other sources are kept whole. */
export function decodeImageBlock(block: JsonObject, path: string): FilePart | TextPart {
  const source = block.source;
  if (!isObject(source)) throw invalidRequest(`${path}.source: must be an object such as {"type": "base64", "media_type": "image/png", "data": "…"}.`, 'messages');
  let part: FilePart;
  switch (source.type) {
    case 'base64':
      if (typeof source.data !== 'string' || typeof source.media_type !== 'string') {
        throw invalidRequest(`${path}.source: base64 images need string "media_type" and "data".`, 'messages');
      }
      part = { type: 'file', mediaType: source.media_type, data: { type: 'base64', data: source.data } };
      break;
    case 'url':
      if (typeof source.url !== 'string') throw invalidRequest(`${path}.source.url: must be a string.`, 'messages');
      part = { type: 'file', mediaType: imageMediaTypeForUrl(source.url), data: { type: 'url', url: source.url } };
      break;
    case 'file':
      if (typeof source.file_id !== 'string') throw invalidRequest(`${path}.source.file_id: must be a string.`, 'messages');
      // The Files API id says nothing of the format; `image/*` still marks the part as an image.
      part = { type: 'file', mediaType: 'image/*', data: { type: 'file-id', id: source.file_id } };
      break;
    default:
      return keepBlock(block);
  }
  let anthropic: JsonObject | undefined;
  if (block.cache_control != null) (anthropic ??= {}).cacheControl = block.cache_control;
  const extra = extraKeys(block, imageKeys);
  if (extra) (anthropic ??= {}).extra = extra;
  if (anthropic) part.providerOptions = { anthropic };
  return part;
}

/** A `document` block (PDF, plain text, URL or Files API id); other sources are kept whole. */
export function decodeDocumentBlock(block: JsonObject, path: string): FilePart | TextPart {
  const source = block.source;
  if (!isObject(source)) throw invalidRequest(`${path}.source: must be an object such as {"type": "base64", "media_type": "application/pdf", "data": "…"}.`, 'messages');
  let part: FilePart;
  let anthropic: JsonObject | undefined;
  switch (source.type) {
    case 'base64':
      if (typeof source.data !== 'string') throw invalidRequest(`${path}.source.data: must be a base64 string.`, 'messages');
      part = {
        type: 'file',
        mediaType: typeof source.media_type === 'string' ? source.media_type : 'application/pdf',
        data: { type: 'base64', data: source.data },
      };
      break;
    case 'url':
      if (typeof source.url !== 'string') throw invalidRequest(`${path}.source.url: must be a string.`, 'messages');
      // URL documents are PDFs: the API takes no other kind by URL.
      part = { type: 'file', mediaType: 'application/pdf', data: { type: 'url', url: source.url } };
      break;
    case 'text':
      if (typeof source.data !== 'string') throw invalidRequest(`${path}.source.data: must be the document text.`, 'messages');
      // Canonical files carry bytes; the Anthropic encoder turns them back into a text source.
      part = { type: 'file', mediaType: 'text/plain', data: { type: 'base64', data: Buffer.from(source.data, 'utf8').toString('base64') } };
      anthropic = { sourceType: 'text' };
      break;
    case 'file':
      if (typeof source.file_id !== 'string') throw invalidRequest(`${path}.source.file_id: must be a string.`, 'messages');
      part = { type: 'file', mediaType: 'application/octet-stream', data: { type: 'file-id', id: source.file_id } };
      break;
    default:
      // Custom content documents ({"type": "content"}) have no canonical form.
      return keepBlock(block);
  }
  if (typeof block.title === 'string') {
    part.filename = block.title;
    (anthropic ??= {}).title = block.title;
  }
  if (block.context != null) (anthropic ??= {}).context = block.context;
  if (block.citations != null) (anthropic ??= {}).citations = block.citations;
  if (block.cache_control != null) (anthropic ??= {}).cacheControl = block.cache_control;
  const extra = extraKeys(block, documentKeys);
  if (extra) (anthropic ??= {}).extra = extra;
  if (anthropic) part.providerOptions = { anthropic };
  return part;
}

/**
 * A block with no canonical form (server tool calls and their results, search results,
 * compaction, container uploads, blocks newer than this code). The block itself rides in
 * `providerOptions.anthropic.block`, which the Anthropic encoder sends back verbatim; the
 * text is a short description so that another provider still sees that something was there.
 */
export function keepBlock(block: JsonObject): TextPart {
  return { type: 'text', text: describeBlock(block), providerOptions: { anthropic: { block } } };
}

function describeBlock(block: JsonObject): string {
  if ((block.type === 'server_tool_use' || block.type === 'mcp_tool_use') && typeof block.name === 'string') {
    return `[${block.type} ${block.name} ${JSON.stringify(block.input ?? {})}]`;
  }
  if (block.type === 'web_search_tool_result' && Array.isArray(block.content)) {
    const lines: string[] = [];
    for (const result of block.content) {
      if (isObject(result) && typeof result.url === 'string') lines.push(`${typeof result.title === 'string' ? result.title : ''} <${result.url}>`);
    }
    return `[web search results]\n${lines.join('\n')}`;
  }
  return `[${block.type as string}]`;
}

function imageMediaTypeForUrl(url: string): string {
  let end = url.indexOf('?');
  if (end === -1) end = url.length;
  const dot = url.lastIndexOf('.', end);
  switch (dot === -1 ? '' : url.slice(dot + 1, end).toLowerCase()) {
    case 'png':
      return 'image/png';
    case 'jpg':
    case 'jpeg':
      return 'image/jpeg';
    case 'gif':
      return 'image/gif';
    case 'webp':
      return 'image/webp';
    default:
      return 'image/*';
  }
}
