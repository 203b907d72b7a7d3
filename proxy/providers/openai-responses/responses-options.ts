import type { ProviderOptions } from '../../core/request';

/** One `summary_text` part of a reasoning item. */
export interface SummaryText {
  type: 'summary_text';
  text: string;
}

/** One `reasoning_text` part of a reasoning item (raw reasoning, e.g. from gpt-oss servers). */
export interface ReasoningText {
  type: 'reasoning_text';
  text: string;
}

/**
 * What the Responses API keeps in a part's `providerOptions.openai`, written by the Responses
 * decoders (inbound and provider) and read back by the Responses encoders. One list, so the
 * two directions agree on the names.
 *
 * - `itemId`: the item's id (`msg_…`, `rs_…`, `fc_…`), resent so the provider can match it.
 * - `encryptedContent`, `summary`, `reasoningContent`: a reasoning item's opaque state and its
 *   exact parts; the canonical text only holds them joined.
 * - `namespace`: the namespace of a `function_call` made to a `namespace` tool (Codex MCP tools).
 * - `phase`: an assistant message's `commentary` / `final_answer` label, which gpt-5 codex
 *   models want resent.
 * - `status`: a call item's `status`, which Codex resends on custom tool calls.
 * - `itemType: 'custom_tool_call'`: a call to a freeform `custom` tool, whose input is text,
 *   not JSON; `'custom_tool_call_output'` marks its result.
 * - `contentType: 'refusal'`: text that was a `refusal` content part.
 * - `item`: an item with no canonical form (`web_search_call`, `item_reference`,
 *   `local_shell_call`…), carried verbatim on an empty text part. Responses encoders emit it
 *   back in place; encoders for other APIs see an empty text part and should skip it.
 * - `instructions`: the text came from the request's `instructions` field, not an input item.
 * - `imageDetail`: an `input_image`'s `detail`.
 */
export interface ResponsesPartOptions {
  itemId?: string;
  encryptedContent?: string;
  summary?: SummaryText[];
  reasoningContent?: ReasoningText[];
  namespace?: string;
  phase?: string;
  status?: string;
  itemType?: 'custom_tool_call' | 'custom_tool_call_output';
  contentType?: 'refusal';
  item?: Record<string, unknown>;
  instructions?: boolean;
  imageDetail?: string;
  /** On a function tool: its `defer_loading` flag. */
  deferLoading?: boolean;
  /**
   * On the request: the `reasoning.effort` exactly as the client sent it, for values the
   * canonical effort cannot hold (`none`, `xhigh`).
   */
  reasoningEffort?: string;
}

const noOptions: ResponsesPartOptions = {};

/** Reads the Responses keys of a part's (or request's) provider options. */
export function readResponsesOptions(options: ProviderOptions | undefined): ResponsesPartOptions {
  // The bag is typed loosely by the canonical model; only the Responses codecs write these keys.
  return (options?.openai as ResponsesPartOptions | undefined) ?? noOptions;
}

/** Wraps Responses keys into a provider options bag, leaving out undefined values; undefined when none is left. */
export function responsesProviderOptions(options: ResponsesPartOptions): ProviderOptions | undefined {
  let openai: Record<string, unknown> | undefined;
  for (const key in options) {
    const value = options[key as keyof ResponsesPartOptions];
    if (value === undefined) continue;
    openai ??= {};
    openai[key] = value;
  }
  return openai && { openai };
}

/**
 * Sets Responses keys on a part's provider options, next to any other provider's; leaves the
 * part without `providerOptions` when there is nothing to keep.
 */
export function withResponsesOptions<T extends { providerOptions?: ProviderOptions }>(target: T, options: ResponsesPartOptions): T {
  const bag = responsesProviderOptions(options);
  if (bag) target.providerOptions = target.providerOptions ? { ...target.providerOptions, ...bag } : bag;
  return target;
}

/**
 * Whether an OpenAI model reasons (o-series, gpt-5, codex, gpt-oss). Such models reject
 * `temperature` and `top_p`, and only they accept `reasoning` and
 * `include: ['reasoning.encrypted_content']`.
 *
 * @see https://platform.openai.com/docs/guides/reasoning
 */
export function isReasoningModel(model: string): boolean {
  const name = model.slice(model.lastIndexOf('/') + 1);
  if (name.includes('-chat')) return false;
  return (
    name.startsWith('o1') ||
    name.startsWith('o3') ||
    name.startsWith('o4') ||
    name.startsWith('gpt-5') ||
    name.startsWith('gpt-oss') ||
    name.includes('codex')
  );
}
