/** The Gemini methods Switchyard recognises in a request path. */
export type GeminiAction = 'generateContent' | 'streamGenerateContent' | 'countTokens';

export interface GeminiPathTarget {
  /** The model as the client named it, `provider/` prefix included. */
  model: string;
  stream: boolean;
  action: GeminiAction;
}

const actions = new Set<string>(['generateContent', 'streamGenerateContent', 'countTokens']);

/**
 * Reads the model and method from a Gemini REST path such as
 * `/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`. Gemini clients name the
 * model in the path, not the body. A routed name like `openai/gpt-4o` arrives as is from the
 * `@google/genai` SDK and as `openai%2Fgpt-4o` from clients that encode it; both are read.
 * The method follows the last colon, so model ids with colons (`llama3:8b`) survive.
 *
 * @see https://ai.google.dev/api/generate-content#method:-models.generatecontent
 * @returns undefined when the path names no model or no method we serve.
 */
export function decodeGeminiPath(path: string): GeminiPathTarget | undefined {
  const query = path.indexOf('?');
  const pathname = query === -1 ? path : path.slice(0, query);
  const modelsAt = pathname.indexOf('/models/');
  if (modelsAt === -1) return undefined;
  let rest: string;
  try {
    rest = decodeURIComponent(pathname.slice(modelsAt + '/models/'.length));
  } catch {
    return undefined; // a malformed %-escape
  }
  const colon = rest.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const action = rest.slice(colon + 1);
  if (!actions.has(action)) return undefined;
  return { model: rest.slice(0, colon), stream: action === 'streamGenerateContent', action: action as GeminiAction };
}
