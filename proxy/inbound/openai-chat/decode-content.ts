import type { FilePart, TextPart, UserMessage } from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';
import { invalidRequest } from '../decode-fields';

/** System, developer and tool content: a string or an array of text parts. */
export function decodeTextContent(content: unknown, path: string): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (content === null || content === undefined) return [];
  if (!Array.isArray(content)) {
    throw invalidRequest(`\`${path}.content\` must be a string or an array of text parts.`, `${path}.content`);
  }
  const parts: TextPart[] = [];
  for (let index = 0; index < content.length; index++) {
    const part = content[index];
    const partPath = `${path}.content[${index}]`;
    if (!isObject(part) || part.type !== 'text' || typeof part.text !== 'string') {
      throw invalidRequest(`\`${partPath}\` must be a text part: {"type":"text","text":"…"}.`, partPath);
    }
    parts.push(withCacheControl({ type: 'text', text: part.text }, part));
  }
  return parts;
}

/**
 * The part with the Anthropic-style `cache_control` its wire part carried, if any. Chat
 * Completions has no such field, but clients that reach Claude through OpenAI-compatible
 * gateways (Cline, Roo Code, OpenRouter's documented convention) mark breakpoints on content
 * parts this way; a call Switchyard translates to Anthropic keeps them.
 *
 * @see https://openrouter.ai/docs/features/prompt-caching
 */
export function withCacheControl<Part extends TextPart | FilePart>(part: Part, wire: JsonObject): Part {
  const marker = wire.cache_control;
  if (marker === undefined || marker === null) return part;
  part.providerOptions = { ...part.providerOptions, anthropic: { ...part.providerOptions?.anthropic, cacheControl: marker } };
  return part;
}

/** A user message: its content is a string or an array of text, image, audio and file parts. */
export function decodeUserMessage(wire: JsonObject, path: string): UserMessage {
  const content = wire.content;
  if (typeof content === 'string') return { role: 'user', content: [{ type: 'text', text: content }] };
  if (!Array.isArray(content)) {
    throw invalidRequest(`\`${path}.content\` must be a string or an array of content parts.`, `${path}.content`);
  }
  const parts: Array<TextPart | FilePart> = [];
  for (let index = 0; index < content.length; index++) {
    parts.push(decodeUserPart(content[index], `${path}.content[${index}]`));
  }
  return { role: 'user', content: parts };
}

function decodeUserPart(part: unknown, path: string): TextPart | FilePart {
  if (!isObject(part)) throw invalidRequest(`\`${path}\` must be a content part object with a \`type\`.`, path);
  switch (part.type) {
    case 'text':
      if (typeof part.text !== 'string') throw invalidRequest(`\`${path}.text\` must be a string.`, `${path}.text`);
      return withCacheControl({ type: 'text', text: part.text }, part);
    case 'image_url':
      return withCacheControl(decodeImagePart(part, path), part);
    case 'input_audio': {
      const audio = part.input_audio;
      if (!isObject(audio) || typeof audio.data !== 'string') {
        throw invalidRequest(`\`${path}.input_audio.data\` must be base64 audio.`, `${path}.input_audio`);
      }
      const mediaType = audio.format === 'mp3' ? 'audio/mpeg' : 'audio/wav';
      return { type: 'file', mediaType, data: { type: 'base64', data: audio.data } };
    }
    case 'file':
      return withCacheControl(decodeFilePart(part, path), part);
    default:
      throw invalidRequest(
        `\`${path}.type\` is ${JSON.stringify(part.type)}; user content parts are text, image_url, input_audio or file.`,
        `${path}.type`,
      );
  }
}

function decodeImagePart(part: JsonObject, path: string): FilePart {
  const image = part.image_url;
  // Some clients send `image_url` as a bare string rather than `{ url }`.
  const url = typeof image === 'string' ? image : isObject(image) ? image.url : undefined;
  if (typeof url !== 'string') {
    throw invalidRequest(`\`${path}.image_url.url\` must be an http(s) URL or a data: URL.`, `${path}.image_url`);
  }
  let file: FilePart;
  const dataUrl = parseDataUrl(url);
  if (dataUrl) {
    file = { type: 'file', mediaType: dataUrl.mediaType || 'image/jpeg', data: { type: 'base64', data: dataUrl.data } };
  } else {
    file = { type: 'file', mediaType: imageMediaTypeFromUrl(url), data: { type: 'url', url } };
  }
  if (isObject(image) && typeof image.detail === 'string') {
    file.providerOptions = { openai: { imageDetail: image.detail } };
  }
  return file;
}

function decodeFilePart(part: JsonObject, path: string): FilePart {
  const file = part.file;
  if (!isObject(file)) throw invalidRequest(`\`${path}.file\` must be an object with file_data or file_id.`, `${path}.file`);
  const filename = typeof file.filename === 'string' ? file.filename : undefined;
  let decoded: FilePart;
  if (typeof file.file_data === 'string') {
    const dataUrl = parseDataUrl(file.file_data);
    // OpenAI documents a data: URL here, but some clients send bare base64.
    const mediaType = dataUrl?.mediaType || mediaTypeFromFilename(filename);
    decoded = { type: 'file', mediaType, data: { type: 'base64', data: dataUrl ? dataUrl.data : file.file_data } };
  } else if (typeof file.file_id === 'string') {
    decoded = { type: 'file', mediaType: mediaTypeFromFilename(filename), data: { type: 'file-id', id: file.file_id } };
  } else {
    throw invalidRequest(`\`${path}.file\` needs \`file_data\` (a data: URL) or \`file_id\`.`, `${path}.file`);
  }
  if (filename !== undefined) decoded.filename = filename;
  return decoded;
}

interface DataUrl {
  mediaType: string;
  data: string;
}

/**
 * Splits `data:<type>[;base64],<payload>` without scanning the payload, which may be
 * megabytes of base64.
 */
function parseDataUrl(url: string): DataUrl | undefined {
  if (!url.startsWith('data:')) return undefined;
  const comma = url.indexOf(',');
  if (comma === -1) return undefined;
  const header = url.slice(5, comma);
  const semicolon = header.indexOf(';');
  const mediaType = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  const payload = url.slice(comma + 1);
  if (header.endsWith(';base64')) return { mediaType, data: payload };
  // A percent-encoded data URL: canonical file data is always base64.
  return { mediaType, data: Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64') };
}

const imageTypesByExtension: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** An image URL names no media type; guess from the extension, else say only that it is an image. */
function imageMediaTypeFromUrl(url: string): string {
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  const dot = path.lastIndexOf('.');
  const extension = dot === -1 ? '' : path.slice(dot + 1).toLowerCase();
  return imageTypesByExtension[extension] ?? 'image/*';
}

function mediaTypeFromFilename(filename: string | undefined): string {
  const dot = filename?.lastIndexOf('.') ?? -1;
  const extension = filename && dot !== -1 ? filename.slice(dot + 1).toLowerCase() : '';
  if (extension === 'pdf') return 'application/pdf';
  if (extension === 'txt') return 'text/plain';
  if (extension === 'md') return 'text/markdown';
  return imageTypesByExtension[extension] ?? 'application/octet-stream';
}
