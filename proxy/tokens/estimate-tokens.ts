import type { CanonicalRequest, FilePart, Message, ToolResultPart } from '../core/request';
import { imageSizeFromBase64 } from './image-size';

/**
 * Characters per token of prose and code with Claude's tokenizer. GPT tokenizers average
 * about 4 on English; Claude's splits finer, so 3.5 comes closer.
 */
const textCharactersPerToken = 3.5;
/** JSON (schemas, tool arguments) is denser in punctuation, and punctuation splits tokens. */
const jsonCharactersPerToken = 3;
/** Characters from U+2E80 on (CJK, kana, hangul, emoji) are about one token each. */
const firstWideCharacter = 0x2e80;
/** Characters read from a long text to estimate its share of wide characters. */
const sampledCharacters = 64;

/** Role markers and separators around each message. */
const tokensPerMessage = 3;
/** A system prompt is not a turn: it costs about one separator. */
const tokensPerSystemMessage = 1;
/** Framing of the whole prompt. */
const tokensPerRequest = 1;
/** Framing of each tool call or tool result. */
const tokensPerToolBlock = 5;
/**
 * The system prompt Anthropic adds when tools are present: 346 tokens with tool_choice
 * auto or none, 313 with any or tool (Claude 4 models).
 *
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/overview#pricing
 */
const toolSystemPromptTokens = 346;
const forcedToolSystemPromptTokens = 313;
/** A server or client tool Anthropic defines (web search, bash, text editor…): its built-in description. */
const providerToolTokens = 300;

/** Anthropic scales images down to at most 1568 px on the long edge and about 1.15 megapixels. */
const maximumImageEdge = 1568;
const maximumImagePixels = 1_150_000;
/** @see https://docs.anthropic.com/en/docs/build-with-claude/vision#calculate-image-costs */
const pixelsPerImageToken = 750;
/** An image whose size cannot be read (a URL, a file id, an unknown format): the largest cost. */
const unknownImageTokens = 1600;
/** A PDF page costs its text plus an image of the page: 1,500–3,000 tokens. */
const tokensPerPdfPage = 2000;
/** Compressed bytes per PDF page, a rough middle between text-only and scanned pages. */
const pdfBytesPerPage = 40_000;
/** A PDF given by URL or file id, whose size is unknown. */
const unknownPdfTokens = 3 * tokensPerPdfPage;

/** Nesting depth past which a schema walk stops adding (guards against pathological input). */
const maximumJsonDepth = 64;

/**
 * A fast local estimate of a request's input tokens (the total prompt, cached or not), for
 * `count_tokens` on providers that have no such endpoint and for routing rules.
 *
 * It never serialises the request: text is measured by its length (with a sample of its
 * characters to spot CJK and emoji), schemas by a walk that adds up what their JSON would hold, images
 * from the pixel size in their header. Against Anthropic's own counts it is typically
 * within ±20% for English prose and code with tools; it is less exact for other scripts,
 * PDFs (estimated from their byte size) and images given by URL (counted at the maximum).
 * Thinking from earlier turns counts only within the current tool-use loop, as Anthropic
 * strips older thinking from the context.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/token-counting
 */
export function estimateInputTokens(request: CanonicalRequest): number {
  let tokens = tokensPerRequest;
  const messages = request.messages;
  let lastUserMessage = -1;
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index]!.role === 'user') {
      lastUserMessage = index;
      break;
    }
  }
  for (let index = 0; index < messages.length; index++) {
    tokens += messageTokens(messages[index]!, index > lastUserMessage);
  }
  if (request.tools && request.tools.length > 0) {
    const forced = request.toolChoice?.type === 'required' || request.toolChoice?.type === 'tool';
    tokens += forced ? forcedToolSystemPromptTokens : toolSystemPromptTokens;
    for (const tool of request.tools) {
      if (tool.type === 'provider') {
        tokens += providerToolTokens;
        continue;
      }
      tokens += tokensPerToolBlock + textTokens(tool.name) + jsonLength(tool.inputSchema, 0) / jsonCharactersPerToken;
      if (tool.description !== undefined) tokens += textTokens(tool.description);
    }
  }
  return Math.ceil(tokens);
}

/** `countsReasoning`: the message is part of the current tool-use loop, so its thinking is still in context. */
function messageTokens(message: Message, countsReasoning: boolean): number {
  if (message.role === 'system') {
    let tokens = tokensPerSystemMessage;
    for (const part of message.content) tokens += textTokens(part.text);
    return tokens;
  }
  let tokens = tokensPerMessage;
  switch (message.role) {
    case 'user':
      for (const part of message.content) tokens += part.type === 'text' ? textTokens(part.text) : fileTokens(part);
      return tokens;
    case 'assistant':
      for (const part of message.content) {
        switch (part.type) {
          case 'text':
            tokens += textTokens(part.text);
            break;
          case 'reasoning':
            if (countsReasoning) tokens += textTokens(part.text) + (part.redactedData ? part.redactedData.length / 4 : 0);
            break;
          case 'tool-call':
            tokens += tokensPerToolBlock + textTokens(part.name) + part.input.length / jsonCharactersPerToken;
            break;
        }
      }
      return tokens;
    case 'tool':
      for (const part of message.content) tokens += toolResultTokens(part);
      return tokens;
  }
}

function toolResultTokens(part: ToolResultPart): number {
  let tokens = tokensPerToolBlock;
  for (const item of part.content) tokens += item.type === 'text' ? textTokens(item.text) : fileTokens(item);
  return tokens;
}

function fileTokens(part: FilePart): number {
  const data = part.data;
  if (part.mediaType.startsWith('image/')) {
    if (data.type !== 'base64') return unknownImageTokens;
    const size = imageSizeFromBase64(data.data);
    return size ? imageTokens(size.width, size.height) : unknownImageTokens;
  }
  if (part.mediaType === 'application/pdf') {
    if (data.type !== 'base64') return unknownPdfTokens;
    const bytes = (data.data.length * 3) / 4;
    return Math.max(1, Math.round(bytes / pdfBytesPerPage)) * tokensPerPdfPage;
  }
  // Text documents: base64 holds 3 bytes per 4 characters, about one character per byte.
  if (data.type === 'base64') return (data.data.length * 3) / 4 / textCharactersPerToken;
  return unknownPdfTokens;
}

/** Tokens of an image after Anthropic's downscaling. */
export function imageTokens(width: number, height: number): number {
  if (width <= 0 || height <= 0) return unknownImageTokens;
  const scale = Math.min(1, maximumImageEdge / Math.max(width, height), Math.sqrt(maximumImagePixels / (width * height)));
  return Math.ceil((Math.round(width * scale) * Math.round(height * scale)) / pixelsPerImageToken);
}

function textTokens(text: string): number {
  const length = text.length;
  // Long texts are sampled at evenly spaced characters: the share of wide characters is
  // what matters, and reading every character of a 50 KB prompt would cost more than the rest.
  const step = length <= sampledCharacters ? 1 : Math.floor(length / sampledCharacters);
  let wide = 0;
  let samples = 0;
  for (let position = 0; position < length; position += step) {
    if (text.charCodeAt(position) >= firstWideCharacter) wide++;
    samples++;
  }
  const wideCharacters = samples === 0 ? 0 : (wide * length) / samples;
  return (length - wideCharacters) / textCharactersPerToken + wideCharacters;
}

/** The length JSON.stringify would give, near enough, without building the string. */
function jsonLength(value: unknown, depth: number): number {
  if (depth > maximumJsonDepth) return 0;
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
      return 3;
    case 'boolean':
      return 5;
    case 'object': {
      if (value === null) return 4;
      let length = 2;
      if (Array.isArray(value)) {
        for (const item of value) length += jsonLength(item, depth + 1) + 1;
        return length;
      }
      const object = value as Record<string, unknown>;
      for (const key in object) length += key.length + 4 + jsonLength(object[key], depth + 1);
      return length;
    }
    default:
      return 0;
  }
}
