import type { FilePart, ProviderOptions, ReasoningPart, TextPart } from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';
import { invalidRequest } from '../decode-fields';
import { applyReasoningSignature, hasReasoningSignature } from './carried-signature';
import { read, readString } from './read-field';

/** `inlineData` is base64 bytes; `fileData` a Files API or public URI. */
export function decodeFile(part: JsonObject, where: string): FilePart | undefined {
  const inline = read(part, 'inlineData', 'inline_data');
  if (isObject(inline)) {
    if (typeof inline.data !== 'string') throw invalidRequest(`\`${where}.inlineData.data\` must be base64 text.`, where);
    return { type: 'file', mediaType: readString(inline, 'mimeType', 'mime_type') ?? 'application/octet-stream', data: { type: 'base64', data: inline.data } };
  }
  const file = read(part, 'fileData', 'file_data');
  if (isObject(file)) {
    const uri = readString(file, 'fileUri', 'file_uri');
    if (uri === undefined) throw invalidRequest(`\`${where}.fileData.fileUri\` must be the file's URI.`, where);
    return { type: 'file', mediaType: readString(file, 'mimeType', 'mime_type') ?? 'application/octet-stream', data: { type: 'url', url: uri } };
  }
  return undefined;
}

/** A text part's signature is Gemini's; a thought's may carry another provider's (see carried-signature). */
export function sign(block: TextPart | ReasoningPart, signature: string): void {
  if (block.type === 'reasoning') applyReasoningSignature(block, signature);
  else block.providerOptions = geminiOptions(signature);
}

/** True when the block already carries a signature, so a second one starts a new block. */
export function hasSignature(block: TextPart | ReasoningPart): boolean {
  return block.type === 'reasoning' ? hasReasoningSignature(block) : block.providerOptions?.gemini?.thoughtSignature !== undefined;
}

/** Provider options that keep a Gemini thought signature on a part. */
export function geminiOptions(thoughtSignature: string): ProviderOptions {
  return { gemini: { thoughtSignature } };
}

/** A function response value as tool-result text: strings as they are, anything else as JSON. */
export function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
