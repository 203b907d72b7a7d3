/**
 * The Gemini `generateContent` wire shapes Switchyard reads and writes, in the REST API's
 * camelCase JSON. Only the fields we use are named; the SDK's own types are classes with
 * getters and cover Vertex-only fields, so we keep a small structural copy here.
 *
 * @see https://ai.google.dev/api/generate-content
 */

export interface GeminiFunctionCall {
  /** Set by newer models and the Live API; absent on most `generateContent` answers. */
  id?: string;
  name?: string;
  args?: Record<string, unknown>;
}

export interface GeminiFunctionResponse {
  id?: string;
  name?: string;
  /** A JSON object: `{output}` or `{error}` by convention, any object otherwise. */
  response?: Record<string, unknown>;
  /** Multimodal results (Gemini 3): inline bytes or file references. */
  parts?: GeminiPart[];
}

export interface GeminiBlob {
  mimeType?: string;
  /** Base64. */
  data?: string;
}

export interface GeminiFileData {
  mimeType?: string;
  fileUri?: string;
}

export interface GeminiPart {
  text?: string;
  /** Marks a text part as a thought summary. */
  thought?: boolean;
  /** Opaque base64 blob tied to the part it arrived on; must be sent back on that same part. */
  thoughtSignature?: string;
  inlineData?: GeminiBlob;
  fileData?: GeminiFileData;
  functionCall?: GeminiFunctionCall;
  functionResponse?: GeminiFunctionResponse;
}

export interface GeminiContent {
  /** `user` or `model`; the API defaults to `user`. */
  role?: string;
  parts?: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  /** Full JSON Schema (`$ref`, `anyOf`, `additionalProperties`…). Exclusive with `parameters`. */
  parametersJsonSchema?: unknown;
  /** The older OpenAPI 3.0 subset (`type: "OBJECT"`, `nullable`). */
  parameters?: Record<string, unknown>;
}

export interface GeminiTool {
  functionDeclarations?: GeminiFunctionDeclaration[];
  /** Built-in tools: `googleSearch`, `codeExecution`, `urlContext`… */
  [key: string]: unknown;
}

export type GeminiFunctionCallingMode = 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED';

export interface GeminiToolConfig {
  functionCallingConfig?: {
    mode?: GeminiFunctionCallingMode;
    allowedFunctionNames?: string[];
  };
}

export interface GeminiThinkingConfig {
  includeThoughts?: boolean;
  /** 0 turns thinking off where the model allows it; -1 lets the model decide. */
  thinkingBudget?: number;
  /** Gemini 3: `minimal`, `low`, `medium`, `high` (any case on the wire). */
  thinkingLevel?: string;
}

export interface GeminiGenerationConfig {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stopSequences?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseJsonSchema?: unknown;
  thinkingConfig?: GeminiThinkingConfig;
  [key: string]: unknown;
}

/** The body of `models/{model}:generateContent` and `:streamGenerateContent`. */
export interface GeminiRequestBody {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
  tools?: GeminiTool[];
  toolConfig?: GeminiToolConfig;
  generationConfig?: GeminiGenerationConfig;
  [key: string]: unknown;
}

export interface GeminiUsageMetadata {
  /** The whole prompt, cached content included. */
  promptTokenCount?: number;
  cachedContentTokenCount?: number;
  /** Visible output only; thoughts are counted apart. */
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  /** Results of server-side tools (search, code execution) fed back to the model. */
  toolUsePromptTokenCount?: number;
  totalTokenCount?: number;
}

export interface GeminiCandidate {
  content?: GeminiContent;
  finishReason?: string;
  index?: number;
}

/** One `generateContent` answer, or one event of `streamGenerateContent?alt=sse`. */
export interface GeminiResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

/** Google's error envelope (`google.rpc.Status` as JSON). */
export interface GeminiErrorBody {
  error: {
    code: number;
    message: string;
    status: string;
    details?: Array<Record<string, unknown>>;
  };
}
