import type { FilePart, ReasoningPart, TextPart } from '../../core/request';
import { reasoningText, reasoningTextParts, summaryParts } from '../../providers/openai-responses/decode-response';
import { responsesProviderOptions, withResponsesOptions, type ResponsesPartOptions } from '../../providers/openai-responses/responses-options';
import { isObject, type JsonObject } from '../../core/json';
import { invalidRequest, isPresent, requiredString } from '../decode-fields';
import { openReasoning } from './reasoning-envelope';

/**
 * Text-only content (system, developer and assistant messages). Assistant text keeps its
 * item id and phase; a `refusal` part stays marked as one.
 */
export function decodeTextContent(content: unknown, param: string, options: ResponsesPartOptions | undefined): TextPart[] {
  const providerOptions = options && responsesProviderOptions(options);
  if (typeof content === 'string') return [textPart(content, providerOptions)];
  if (!Array.isArray(content)) throw invalidRequest(`\`${param}\` must be a string or an array of content parts.`, param);
  const parts: TextPart[] = [];
  for (let index = 0; index < content.length; index++) {
    const part: unknown = content[index];
    const partParam = `${param}[${index}]`;
    if (!isObject(part)) throw invalidRequest(`\`${partParam}\` must be a content part object.`, partParam);
    if ((part.type === 'input_text' || part.type === 'output_text') && typeof part.text === 'string') {
      parts.push(textPart(part.text, providerOptions));
    } else if (part.type === 'refusal' && typeof part.refusal === 'string' && options) {
      parts.push(textPart(part.refusal, responsesProviderOptions({ ...options, contentType: 'refusal' })));
    } else {
      throw invalidRequest(
        `\`${partParam}\` must be a text part ({"type": "${options ? 'output_text' : 'input_text'}", "text": "…"}); this role takes text only.`,
        partParam,
      );
    }
  }
  return parts;
}

/** A user message's content: a string or an array of input text, image and file parts. */
export function decodeUserContent(content: unknown, param: string): Array<TextPart | FilePart> {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalidRequest(`\`${param}\` must be a string or an array of content parts.`, param);
  const parts: Array<TextPart | FilePart> = [];
  for (let index = 0; index < content.length; index++) {
    parts.push(decodeInputPart(content[index], `${param}[${index}]`));
  }
  return parts;
}

/**
 * One `input_text`, `input_image` or `input_file` part.
 *
 * @see https://platform.openai.com/docs/guides/images-vision
 * @see https://platform.openai.com/docs/guides/pdf-files
 */
function decodeInputPart(part: unknown, param: string): TextPart | FilePart {
  if (!isObject(part)) throw invalidRequest(`\`${param}\` must be a content part object.`, param);
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: requiredString(part.text, `${param}.text`, 'the text') };
    case 'input_image': {
      let file: FilePart;
      if (typeof part.image_url === 'string') {
        const url = part.image_url;
        file = fileFromUrl(url, () => imageMediaType(url));
      } else if (typeof part.file_id === 'string') {
        file = { type: 'file', mediaType: 'image/*', data: { type: 'file-id', id: part.file_id } };
      } else {
        throw invalidRequest(`\`${param}\` needs an \`image_url\` (a URL or a data URL) or a \`file_id\`.`, `${param}.image_url`);
      }
      if (typeof part.detail === 'string') withResponsesOptions(file, { imageDetail: part.detail });
      return file;
    }
    case 'input_file': {
      const filename = typeof part.filename === 'string' ? part.filename : undefined;
      let file: FilePart;
      if (typeof part.file_data === 'string') file = fileFromUrl(part.file_data, () => fileMediaType(filename), true);
      else if (typeof part.file_id === 'string') file = { type: 'file', mediaType: fileMediaType(filename), data: { type: 'file-id', id: part.file_id } };
      else if (typeof part.file_url === 'string') file = { type: 'file', mediaType: fileMediaType(filename ?? part.file_url), data: { type: 'url', url: part.file_url } };
      else throw invalidRequest(`\`${param}\` needs \`file_data\`, \`file_id\` or \`file_url\`.`, `${param}.file_data`);
      if (filename !== undefined) file.filename = filename;
      return file;
    }
    default:
      throw invalidRequest(`\`${param}.type\` must be "input_text", "input_image" or "input_file".`, `${param}.type`);
  }
}

/**
 * A data URL becomes inline base64 with its own media type; anything else is a URL, or with
 * `bareBase64` (an `input_file`'s `file_data` may be plain base64) inline data. The fallback
 * media type is only worked out when needed: a data URL can be megabytes long.
 */
function fileFromUrl(value: string, fallbackMediaType: () => string, bareBase64 = false): FilePart {
  if (value.startsWith('data:')) {
    const comma = value.indexOf(',');
    const header = comma === -1 ? '' : value.slice(5, comma);
    if (header.endsWith(';base64')) {
      const mediaType = header.slice(0, header.indexOf(';')) || fallbackMediaType();
      return { type: 'file', mediaType, data: { type: 'base64', data: value.slice(comma + 1) } };
    }
  }
  if (bareBase64) return { type: 'file', mediaType: fallbackMediaType(), data: { type: 'base64', data: value } };
  return { type: 'file', mediaType: fallbackMediaType(), data: { type: 'url', url: value } };
}

const imageTypesByExtension: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** An image URL's media type from its extension; `image/*` when it does not say. */
function imageMediaType(url: string): string {
  return imageTypesByExtension[extension(url)] ?? 'image/*';
}

function fileMediaType(name: string | undefined): string {
  if (name === undefined) return 'application/octet-stream';
  const suffix = extension(name);
  if (suffix === 'pdf') return 'application/pdf';
  return imageTypesByExtension[suffix] ?? 'application/octet-stream';
}

function extension(name: string): string {
  const end = name.search(/[?#]/);
  const path = end === -1 ? name : name.slice(0, end);
  const dot = path.lastIndexOf('.');
  return dot === -1 || path.length - dot > 6 ? '' : path.slice(dot + 1).toLowerCase();
}

/**
 * A reasoning item. Its text is the summary joined; its id, exact summary and encrypted
 * content stay in `providerOptions.openai` for the next call to OpenAI. Content Switchyard
 * sealed (reasoning that came from another provider) is opened back into its signature.
 *
 * @see https://platform.openai.com/docs/guides/reasoning#keeping-reasoning-items-in-context
 */
export function decodeReasoningItem(item: JsonObject, param: string, itemId: string | undefined): ReasoningPart {
  if (isPresent(item.summary) && !Array.isArray(item.summary)) {
    throw invalidRequest(`\`${param}.summary\` must be an array of {"type": "summary_text", "text": "…"} parts.`, `${param}.summary`);
  }
  const summary = summaryParts(item.summary);
  const reasoningContent = reasoningTextParts(item.content);
  const part: ReasoningPart = { type: 'reasoning', text: reasoningText(summary, reasoningContent) };
  const options: ResponsesPartOptions = { itemId, summary, reasoningContent };
  if (typeof item.encrypted_content === 'string' && !openReasoning(item.encrypted_content, part)) {
    options.encryptedContent = item.encrypted_content;
  }
  return withResponsesOptions(part, options);
}

/** A function output: a string, or a list of input text, image and file parts. */
export function decodeToolOutput(output: unknown, param: string): Array<TextPart | FilePart> {
  if (typeof output === 'string') return [{ type: 'text', text: output }];
  if (!Array.isArray(output)) throw invalidRequest(`\`${param}\` must be a string or an array of content parts.`, param);
  const parts: Array<TextPart | FilePart> = [];
  for (let index = 0; index < output.length; index++) parts.push(decodeInputPart(output[index], `${param}[${index}]`));
  return parts;
}

function textPart(text: string, providerOptions: TextPart['providerOptions']): TextPart {
  const part: TextPart = { type: 'text', text };
  if (providerOptions) part.providerOptions = providerOptions;
  return part;
}
