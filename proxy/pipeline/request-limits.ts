import { ProxyError } from '../core/errors';
import type { CanonicalRequest, FilePart } from '../core/request';
import type { ProviderApi } from '../providers/adapter';
import { imageSizeFromBase64 } from '../tokens/image-size';
import type { AttemptTarget } from './admit';

/** What one provider API accepts per request, as its documentation states. */
interface ApiLimits {
  /** Most tools (function declarations); undefined where none is documented. */
  tools?: number;
  images: number;
  /** Most bytes of one image's base64 data; undefined where only the request's size is limited. */
  imageBytes?: number;
  /** Longest image edge in pixels, and the edge once a request has more than `manyImages`. */
  imageEdge?: { edge: number; manyImages: number; manyImagesEdge: number };
}

/**
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools (128 tools)
 * @see https://platform.openai.com/docs/guides/images-vision#image-input-requirements (500 images)
 * @see https://platform.claude.com/docs/en/build-with-claude/vision#faq (100 images, 5 MB and
 *   8000 px each, 2000 px with more than 20; no documented limit on tools)
 * @see https://ai.google.dev/api/caching#Tool (128 function declarations)
 * @see https://ai.google.dev/gemini-api/docs/image-understanding (3,600 images)
 */
const apiLimits: Readonly<Record<ProviderApi, ApiLimits>> = {
  'openai-chat': { tools: 128, images: 500 },
  'openai-responses': { tools: 128, images: 500 },
  'anthropic-messages': { images: 100, imageBytes: 5 * 1024 * 1024, imageEdge: { edge: 8000, manyImages: 20, manyImagesEdge: 2000 } },
  gemini: { tools: 128, images: 3_600 },
};

const apiNames: Readonly<Record<ProviderApi, string>> = {
  'openai-chat': 'OpenAI Chat Completions',
  'openai-responses': 'OpenAI Responses',
  'anthropic-messages': 'Anthropic Messages',
  gemini: 'Gemini',
};

/**
 * Refuses a translated call its target's API would refuse for what the client sent, not for
 * anything Switchyard chose: more tools or images than that API takes (a client of one API may
 * send what another refuses: 500 images to OpenAI are fine, Anthropic takes 100). The client
 * gets a 400 in its own format naming the limit and the fix, before anything is spent. The
 * messages are walked once for images; nothing is decoded.
 *
 * @throws ProxyError (400)
 */
export function checkRequestLimits(request: CanonicalRequest, target: AttemptTarget): void {
  const limits = apiLimits[target.api];
  const tools = request.tools?.length ?? 0;
  if (limits.tools !== undefined && tools > limits.tools) {
    throw new ProxyError('invalid_request', `This call defines ${tools} tools; ${apiName(target)} accepts at most ${limits.tools} per request. Send fewer tools, or route the call to a model whose API takes more.`, { status: 400 });
  }
  const images = imagesOf(request);
  if (images.length === 0) return;
  const api = apiName(target);
  if (images.length > limits.images) {
    throw new ProxyError('invalid_request', `This call holds ${images.length} images; ${api} accepts at most ${limits.images} per request. Send fewer images, or route the call to a model whose API takes more.`, { status: 400 });
  }
  const edge = limits.imageEdge === undefined ? undefined : images.length > limits.imageEdge.manyImages ? limits.imageEdge.manyImagesEdge : limits.imageEdge.edge;
  for (const image of images) {
    if (image.data.type !== 'base64') continue;
    if (limits.imageBytes !== undefined && image.data.data.length > limits.imageBytes) {
      throw new ProxyError('invalid_request', `An image of this call is ${image.data.data.length} bytes (base64); ${api} accepts at most ${limits.imageBytes} per image. Send it smaller, or route the call to a model whose API takes larger images.`, { status: 400 });
    }
    const size = edge === undefined ? undefined : imageSizeFromBase64(image.data.data);
    if (edge !== undefined && size !== undefined && (size.width > edge || size.height > edge)) {
      throw new ProxyError('invalid_request', `An image of this call is ${size.width}×${size.height} pixels; ${api} accepts at most ${edge} pixels a side${images.length > limits.imageEdge!.manyImages ? ` when a request holds more than ${limits.imageEdge!.manyImages} images` : ''}. Scale it down, or route the call to another model.`, { status: 400 });
    }
  }
}

/** The target and its API as a message names them; made only for a refusal, not on every call. */
function apiName(target: AttemptTarget): string {
  return `${target.label} (${apiNames[target.api]})`;
}

/** The images of a request: user content and tool results. */
function imagesOf(request: CanonicalRequest): FilePart[] {
  const images: FilePart[] = [];
  for (const message of request.messages) {
    if (message.role === 'user') {
      for (const part of message.content) if (part.type === 'file' && part.mediaType.startsWith('image/')) images.push(part);
    } else if (message.role === 'tool') {
      for (const result of message.content) for (const part of result.content) if (part.type === 'file' && part.mediaType.startsWith('image/')) images.push(part);
    }
  }
  return images;
}
