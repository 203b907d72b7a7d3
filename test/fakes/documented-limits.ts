import type { RecordedRequest } from './fake-upstream';
import { imageSizeFromBase64 } from '../../proxy/tokens/image-size';

/**
 * Limits the real providers enforce, as their documentation states them: a fake that accepted
 * what the real API refuses let "route Claude Code to gpt-4o-mini" pass every test and fail in
 * practice. Each refusal is the provider's own status and error body (the message as the
 * provider words it, where it was seen; the shape always).
 */
interface ModelLimits {
  /** Most output tokens per call. */
  output: number;
  /** Context window: input plus output tokens (Gemini: the input alone). */
  context: number;
}

/**
 * @see https://platform.openai.com/docs/models/gpt-4o-mini (16,384 output, 128,000 context)
 * @see https://platform.openai.com/docs/models/o3 (100,000 output, 200,000 context)
 * @see https://console.groq.com/docs/models (llama-3.3-70b-versatile: 32,768 output, 131,072 context)
 * @see https://platform.claude.com/docs/en/about-claude/models/overview (Sonnet 4 and 4.5: 64,000
 *   output; Opus 4.1: 32,000; Haiku 3.5: 8,192; all 200,000 context; Sonnet 4.6: 128,000 and 1M)
 * @see https://ai.google.dev/gemini-api/docs/models#gemini-2.5-flash (65,536 output, 1,048,576 input)
 */
export const documentedLimits: Readonly<Record<string, ModelLimits>> = {
  'gpt-4o-mini': { output: 16_384, context: 128_000 },
  'gpt-4o': { output: 16_384, context: 128_000 },
  o3: { output: 100_000, context: 200_000 },
  'llama-3.3-70b-versatile': { output: 32_768, context: 131_072 },
  'claude-sonnet-4-5': { output: 64_000, context: 200_000 },
  'claude-sonnet-4-20250514': { output: 64_000, context: 200_000 },
  'claude-opus-4-1': { output: 32_000, context: 200_000 },
  'claude-3-5-haiku-20241022': { output: 8_192, context: 200_000 },
  'claude-sonnet-4-6': { output: 128_000, context: 1_000_000 },
  'gemini-2.5-flash': { output: 65_536, context: 1_048_576 },
};

/**
 * OpenAI: at most 128 tools ("Invalid 'tools': array too long. Expected an array with maximum
 * length 128"), at most 500 images and 50 MB of images per request.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools
 * @see https://platform.openai.com/docs/guides/images-vision#image-input-requirements
 */
const openAi = { tools: 128, images: 500, imageBytes: 50 * 1024 * 1024 };

/**
 * Anthropic: at most 100 images per API request, each at most 5 MB and 8000×8000 px (2000×2000
 * when a request has more than 20); thinking needs budget_tokens ≥ 1024 and < max_tokens; the
 * prompt plus max_tokens must fit the context window. Anthropic documents no limit on the number
 * of tools (none is enforced here).
 * @see https://platform.claude.com/docs/en/build-with-claude/vision#faq
 * @see https://platform.claude.com/docs/en/build-with-claude/extended-thinking#max-tokens-and-context-window-size
 * @see https://platform.claude.com/docs/en/build-with-claude/context-windows
 */
const anthropic = { images: 100, imageBytes: 5 * 1024 * 1024, imageEdge: 8000, manyImages: 20, manyImagesEdge: 2000, minimumThinking: 1024 };

/**
 * Gemini: at most 128 function declarations, 3,600 images per request and 20 MB of inline data
 * in a request (larger files go through the Files API).
 * @see https://ai.google.dev/api/caching#Tool (functionDeclarations: "Maximum 128 function declarations")
 * @see https://ai.google.dev/gemini-api/docs/image-understanding (3,600 images per request; 20 MB inline)
 */
const gemini = { functionDeclarations: 128, images: 3_600, inlineBytes: 20 * 1024 * 1024 };

type Refusal = { status: number; json: unknown };

/** The refusal the real provider answers for a request over a documented limit, or undefined. */
export function limitRefusal(request: RecordedRequest): Refusal | undefined {
  const body = request.json as Record<string, any> | undefined;
  if (body === undefined || request.method !== 'POST') return undefined;
  const url = request.url;
  if (url.includes('/chat/completions')) return chatRefusal(request, body);
  if (url.includes('/responses')) return responsesRefusal(request, body);
  if (url.includes('/messages') && !url.includes('count_tokens')) return messagesRefusal(request, body);
  if (url.includes(':generateContent') || url.includes(':streamGenerateContent')) return geminiRefusal(request, body);
  return undefined;
}

function chatRefusal(request: RecordedRequest, body: Record<string, any>): Refusal | undefined {
  const limits = documentedLimits[String(body.model)];
  const field = body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
  const asked = body[field];
  if (limits && typeof asked === 'number' && asked > limits.output) {
    return openAiRefusal(`max_tokens is too large: ${asked}. This model supports at most ${limits.output} completion tokens, whereas you provided ${asked}.`, field);
  }
  if (Array.isArray(body.tools) && body.tools.length > openAi.tools) return openAiRefusal(`Invalid 'tools': array too long. Expected an array with maximum length ${openAi.tools}, but got an array with length ${body.tools.length} instead.`, 'tools', 'array_above_max_length');
  const images = openAiImages(Array.isArray(body.messages) ? body.messages.flatMap((message: any) => (Array.isArray(message?.content) ? message.content : [])) : []);
  const imageRefusal = openAiImageRefusal(images, 'messages');
  if (imageRefusal !== undefined) return imageRefusal;
  if (limits && contextTokens(request) + (typeof asked === 'number' ? asked : 0) > limits.context) {
    return openAiRefusal(`This model's maximum context length is ${limits.context} tokens. However, you requested ${contextTokens(request) + (typeof asked === 'number' ? asked : 0)} tokens. Please reduce the length of the messages or completion.`, 'messages', 'context_length_exceeded');
  }
  return undefined;
}

function responsesRefusal(request: RecordedRequest, body: Record<string, any>): Refusal | undefined {
  const limits = documentedLimits[String(body.model)];
  const asked = body.max_output_tokens;
  if (limits && typeof asked === 'number' && asked > limits.output) {
    return openAiRefusal(`Invalid 'max_output_tokens': integer above maximum value. Expected a value <= ${limits.output}, but got ${asked} instead.`, 'max_output_tokens', 'integer_above_max_value');
  }
  if (Array.isArray(body.tools) && body.tools.length > openAi.tools) return openAiRefusal(`Invalid 'tools': array too long. Expected an array with maximum length ${openAi.tools}, but got an array with length ${body.tools.length} instead.`, 'tools', 'array_above_max_length');
  const items = Array.isArray(body.input) ? body.input.flatMap((item: any) => (Array.isArray(item?.content) ? item.content : [])) : [];
  const imageRefusal = openAiImageRefusal(openAiImages(items), 'input');
  if (imageRefusal !== undefined) return imageRefusal;
  if (limits && contextTokens(request) + (typeof asked === 'number' ? asked : 0) > limits.context) {
    return openAiRefusal(`Your input exceeds the context window of this model. Please adjust your input and try again.`, 'input', 'context_length_exceeded');
  }
  return undefined;
}

function messagesRefusal(request: RecordedRequest, body: Record<string, any>): Refusal | undefined {
  const limits = documentedLimits[String(body.model)];
  const maxTokens = body.max_tokens;
  if (limits && typeof maxTokens === 'number' && maxTokens > limits.output) {
    return anthropicRefusal(`max_tokens: ${maxTokens} > ${limits.output}, which is the maximum allowed number of output tokens for ${body.model}`);
  }
  const thinking = body.thinking;
  if (thinking?.type === 'enabled') {
    if (typeof thinking.budget_tokens !== 'number' || thinking.budget_tokens < anthropic.minimumThinking) {
      return anthropicRefusal(`thinking.enabled.budget_tokens: Input should be greater than or equal to ${anthropic.minimumThinking}`);
    }
    if (typeof maxTokens === 'number' && thinking.budget_tokens >= maxTokens) {
      return anthropicRefusal('`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size');
    }
  }
  const images: Array<{ path: string; data: string }> = [];
  (Array.isArray(body.messages) ? body.messages : []).forEach((message: any, index: number) => {
    (Array.isArray(message?.content) ? message.content : []).forEach((block: any, position: number) => {
      if (block?.type === 'image' && block.source?.type === 'base64') images.push({ path: `messages.${index}.content.${position}.image.source`, data: String(block.source.data) });
      else if (block?.type === 'image') images.push({ path: `messages.${index}.content.${position}.image.source`, data: '' });
    });
  });
  if (images.length > anthropic.images) return anthropicRefusal(`Too many images and documents: ${images.length} > ${anthropic.images}.`);
  const edge = images.length > anthropic.manyImages ? anthropic.manyImagesEdge : anthropic.imageEdge;
  for (const image of images) {
    if (image.data.length > anthropic.imageBytes) return anthropicRefusal(`${image.path}: image exceeds 5 MB maximum: ${image.data.length} bytes > ${anthropic.imageBytes} bytes`);
    const size = image.data === '' ? undefined : imageSizeFromBase64(image.data);
    if (size !== undefined && (size.width > edge || size.height > edge)) {
      return anthropicRefusal(`${image.path}.base64.data: At least one of the image dimensions exceed max allowed size${images.length > anthropic.manyImages ? ' for many-image requests' : ''}: ${edge} pixels`);
    }
  }
  if (limits && typeof maxTokens === 'number') {
    const input = contextTokens(request);
    if (input > limits.context) return anthropicRefusal(`prompt is too long: ${input} tokens > ${limits.context} maximum`);
    if (input + maxTokens > limits.context) {
      return anthropicRefusal(`input length and \`max_tokens\` exceed context limit: ${input} + ${maxTokens} > ${limits.context}, decrease input length or \`max_tokens\` and try again`);
    }
  }
  return undefined;
}

function geminiRefusal(request: RecordedRequest, body: Record<string, any>): Refusal | undefined {
  const url = request.url;
  const model = decodeURIComponent(url.slice(url.indexOf('/models/') + '/models/'.length, url.lastIndexOf(':')));
  const limits = documentedLimits[model];
  const asked = body.generationConfig?.maxOutputTokens;
  if (limits && typeof asked === 'number' && asked > limits.output) {
    return geminiInvalid(`Unable to submit request because it has a maxOutputTokens value of ${asked} but the supported range is from 1 (inclusive) to ${limits.output + 1} (exclusive). Update the value and try again.`);
  }
  const declarations = (Array.isArray(body.tools) ? body.tools : []).reduce((sum: number, tool: any) => sum + (Array.isArray(tool?.functionDeclarations) ? tool.functionDeclarations.length : 0), 0);
  if (declarations > gemini.functionDeclarations) {
    return geminiInvalid(`* GenerateContentRequest.tools[0].function_declarations: at most ${gemini.functionDeclarations} function declarations can be provided, got ${declarations}.`);
  }
  let images = 0;
  let inline = 0;
  for (const content of Array.isArray(body.contents) ? body.contents : []) {
    for (const part of Array.isArray(content?.parts) ? content.parts : []) {
      const data = part?.inlineData ?? part?.inline_data;
      const mimeType = String(data?.mimeType ?? data?.mime_type ?? part?.fileData?.mimeType ?? '');
      if (data !== undefined) inline += String(data.data ?? '').length;
      if (mimeType.startsWith('image/')) images++;
    }
  }
  if (images > gemini.images) return geminiInvalid(`The request contains ${images} images, more than the ${gemini.images} images a request may hold.`);
  if (inline > gemini.inlineBytes) return geminiInvalid(`Request payload size exceeds the limit: ${gemini.inlineBytes} bytes.`);
  if (limits && contextTokens(request) > limits.context) {
    return geminiInvalid(`The input token count (${contextTokens(request)}) exceeds the maximum number of tokens allowed (${limits.context}).`);
  }
  return undefined;
}

/** Every image part of OpenAI content (Chat `image_url`, Responses `input_image`) and its bytes. */
function openAiImages(parts: any[]): number[] {
  const sizes: number[] = [];
  for (const part of parts) {
    if (part?.type === 'image_url') sizes.push(String(part.image_url?.url ?? '').length);
    else if (part?.type === 'input_image') sizes.push(String(part.image_url ?? '').length);
  }
  return sizes;
}

function openAiImageRefusal(sizes: number[], param: string): Refusal | undefined {
  if (sizes.length > openAi.images) return openAiRefusal(`Too many images in request. Max is ${openAi.images}.`, param, 'too_many_images');
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total > openAi.imageBytes) return openAiRefusal(`Total image payload exceeds the maximum of ${openAi.imageBytes} bytes.`, param, 'image_payload_too_large');
  return undefined;
}

function openAiRefusal(message: string, param: string, code = 'invalid_value'): Refusal {
  return { status: 400, json: { error: { message, type: 'invalid_request_error', param, code } } };
}

function anthropicRefusal(message: string): Refusal {
  return { status: 400, json: { type: 'error', error: { type: 'invalid_request_error', message } } };
}

function geminiInvalid(message: string): Refusal {
  return { status: 400, json: { error: { code: 400, message, status: 'INVALID_ARGUMENT' } } };
}

/**
 * A rough count (four bytes a token, an image's base64 not counted: providers count an image by
 * its pixels, a few thousand tokens at most), enough to catch a prompt past the window.
 */
function contextTokens(request: RecordedRequest): number {
  const text = request.raw.toString('utf8').replace(/"(?:data|url|image_url)"\s*:\s*"data:[^"]*"|"data"\s*:\s*"[A-Za-z0-9+/=]{1000,}"/g, '""');
  return Math.ceil(Buffer.byteLength(text) / 4);
}
