/**
 * Builders for fake Gemini replies shaped like Google's: a whole `GenerateContentResponse`,
 * the `streamGenerateContent?alt=sse` events of the same answer, and an error body. Tests hand
 * them to FakeUpstream.
 */

export interface GeminiReplyOptions {
  /** Reported as `modelVersion`. */
  model: string;
  text?: string;
  /** A thought summary and the signature Gemini puts on it. */
  thought?: { text: string; signature: string };
  functionCalls?: Array<{ name: string; args: object; id?: string }>;
  /** Defaults to `STOP`, which Gemini also sends after function calls. */
  finishReason?: string;
  usage?: { prompt: number; candidates: number; cached?: number; thoughts?: number };
  /** Defaults to a fixed id so replies are reproducible. */
  responseId?: string;
}

const defaultResponseId = 'FakeGeminiResp0123456789';

/** A non-streamed `generateContent` body. */
export function geminiResponseJson(options: GeminiReplyOptions): Record<string, unknown> {
  const parts: Array<Record<string, unknown>> = [];
  if (options.thought) parts.push(thoughtPart(options.thought.text, options.thought.signature));
  if (options.text !== undefined && options.text !== '') parts.push({ text: options.text });
  for (const call of options.functionCalls ?? []) parts.push(functionCallPart(call));
  return response(options, parts, { finishReason: options.finishReason ?? 'STOP', usage: usageOf(options) });
}

/**
 * The same answer as SSE events, one per array item, framed with CRLF as Google sends them:
 * the thought and the text each split over several events (the signature on the last thought
 * event), the function calls together in one event, and `finishReason` with the full usage on
 * the last event. Earlier events carry the prompt-only usage Gemini sends while streaming.
 */
export function geminiChunks(options: GeminiReplyOptions): string[] {
  const partsPerEvent: Array<Array<Record<string, unknown>>> = [];
  const thought = options.thought;
  if (thought) {
    const pieces = split(thought.text);
    pieces.forEach((piece, index) => {
      const last = index === pieces.length - 1;
      partsPerEvent.push([last ? thoughtPart(piece, thought.signature) : { text: piece, thought: true }]);
    });
  }
  for (const piece of split(options.text)) partsPerEvent.push([{ text: piece }]);
  if (options.functionCalls?.length) partsPerEvent.push(options.functionCalls.map(functionCallPart));
  // A finish with nothing to say still comes with a part: Gemini sends an empty text.
  if (partsPerEvent.length === 0) partsPerEvent.push([{ text: '' }]);

  const prompt = options.usage?.prompt ?? 0;
  return partsPerEvent.map((parts, index) => {
    const last = index === partsPerEvent.length - 1;
    const tail = last
      ? { finishReason: options.finishReason ?? 'STOP', usage: usageOf(options) }
      : { usage: { promptTokenCount: prompt, totalTokenCount: prompt, promptTokensDetails: textDetails(prompt) } };
    return `data: ${JSON.stringify(response(options, parts, tail))}\r\n\r\n`;
  });
}

/** A Google error body: `{error:{code,message,status}}`. */
export function geminiErrorJson(code: number, status: string, message: string): Record<string, unknown> {
  return { error: { code, message, status } };
}

function response(
  options: GeminiReplyOptions,
  parts: Array<Record<string, unknown>>,
  tail: { finishReason?: string; usage: Record<string, unknown> },
): Record<string, unknown> {
  const content: Record<string, unknown> = { role: 'model' };
  if (parts.length > 0) content.parts = parts;
  const candidate: Record<string, unknown> = { content };
  if (tail.finishReason !== undefined) candidate.finishReason = tail.finishReason;
  candidate.index = 0;
  return {
    candidates: [candidate],
    usageMetadata: tail.usage,
    modelVersion: options.model,
    responseId: options.responseId ?? defaultResponseId,
  };
}

function thoughtPart(text: string, signature: string): Record<string, unknown> {
  return { text, thought: true, thoughtSignature: signature };
}

function functionCallPart(call: { name: string; args: object; id?: string }): Record<string, unknown> {
  const functionCall: Record<string, unknown> = { name: call.name, args: call.args };
  if (call.id !== undefined) functionCall.id = call.id;
  return { functionCall };
}

function usageOf(options: GeminiReplyOptions): Record<string, unknown> {
  const usage = options.usage ?? { prompt: 0, candidates: 0 };
  const thoughts = usage.thoughts ?? 0;
  const metadata: Record<string, unknown> = {
    promptTokenCount: usage.prompt,
    candidatesTokenCount: usage.candidates,
    totalTokenCount: usage.prompt + usage.candidates + thoughts,
    promptTokensDetails: textDetails(usage.prompt),
  };
  if (usage.cached !== undefined && usage.cached > 0) {
    metadata.cachedContentTokenCount = usage.cached;
    metadata.cacheTokensDetails = textDetails(usage.cached);
  }
  if (thoughts > 0) metadata.thoughtsTokenCount = thoughts;
  return metadata;
}

function textDetails(count: number): Array<Record<string, unknown>> {
  return [{ modality: 'TEXT', tokenCount: count }];
}

/** Splits text into about four pieces on code point boundaries. */
function split(value: string | undefined): string[] {
  if (value === undefined || value === '') return [];
  const codePoints = Array.from(value);
  const size = Math.max(1, Math.ceil(codePoints.length / 4));
  const pieces: string[] = [];
  for (let start = 0; start < codePoints.length; start += size) {
    pieces.push(codePoints.slice(start, start + size).join(''));
  }
  return pieces;
}
