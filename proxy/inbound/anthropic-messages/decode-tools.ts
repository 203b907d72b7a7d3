import type { CanonicalRequest, FunctionTool, ProviderTool, ToolDefinition } from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';
import { extraKeys, invalidRequest } from '../decode-fields';
import { ClientSchema, clientSchemaOf, defineClientSchema } from '../../wire/client-schema';

const toolKeys: ReadonlySet<string> = new Set(['name', 'description', 'input_schema', 'strict', 'cache_control', 'eager_input_streaming']);

/** Decodes `tools`: custom tools become function tools, typed (server and client) tools stay Anthropic's. */
export function decodeTools(tools: unknown): ToolDefinition[] {
  if (!Array.isArray(tools)) throw invalidRequest('tools: must be an array of tool definitions.', 'tools');
  const definitions: ToolDefinition[] = [];
  for (let index = 0; index < tools.length; index++) {
    const tool = tools[index];
    const path = `tools.${index}`;
    if (!isObject(tool)) throw invalidRequest(`${path}: must be an object.`, 'tools');
    const type = tool.type;
    if (type === undefined || type === null || type === 'custom') {
      definitions.push(decodeCustomTool(tool, path));
    } else if (typeof type === 'string') {
      // Typed tools (web_search_20250305, bash_20250124, text_editor_…, computer_…) are
      // defined by Anthropic and only mean something to Anthropic.
      const providerTool: ProviderTool = { type: 'provider', api: 'anthropic-messages', raw: tool };
      if (typeof tool.name === 'string') providerTool.name = tool.name;
      definitions.push(providerTool);
    } else {
      throw invalidRequest(`${path}.type: must be a string such as "custom" or "web_search_20250305".`, 'tools');
    }
  }
  return definitions;
}

function decodeCustomTool(tool: JsonObject, path: string): FunctionTool {
  if (typeof tool.name !== 'string' || tool.name === '') throw invalidRequest(`${path}.name: Field required.`, 'tools');
  // A schema left as the client's bytes (parseWithClientSchemas) is an object: only objects are cut.
  const clientSchema = clientSchemaOf(tool);
  if (clientSchema === undefined && !isObject(tool.input_schema)) {
    throw invalidRequest(`${path}.input_schema: Field required. Give a JSON Schema object such as {"type": "object", "properties": {}}.`, 'tools');
  }
  const definition: FunctionTool = clientSchema === undefined ? { type: 'function', name: tool.name, inputSchema: tool.input_schema as JsonObject } : toolWithClientSchema(tool.name, clientSchema);
  if (typeof tool.description === 'string') definition.description = tool.description;
  if (typeof tool.strict === 'boolean') definition.strict = tool.strict;
  let anthropic: JsonObject | undefined;
  if (tool.cache_control != null) (anthropic ??= {}).cacheControl = tool.cache_control;
  if (tool.eager_input_streaming != null) (anthropic ??= {}).eagerInputStreaming = tool.eager_input_streaming;
  const extra = extraKeys(tool, toolKeys);
  if (extra) (anthropic ??= {}).extra = extra;
  if (anthropic) definition.providerOptions = { anthropic };
  return definition;
}

/** A function tool whose `inputSchema` reads the body's tool's schema when something reads it (the Chat encoder copies its bytes instead). */
function toolWithClientSchema(name: string, wireSchema: ClientSchema): FunctionTool {
  const tool = { type: 'function', name } as FunctionTool;
  defineClientSchema(tool, 'inputSchema', new ClientSchema(wireSchema.bytes, wireSchema.range, wireSchema));
  return tool;
}

/** Decodes `tool_choice` and its `disable_parallel_tool_use` into the request. */
export function decodeToolChoice(choice: unknown, request: CanonicalRequest): void {
  if (!isObject(choice)) throw invalidRequest('tool_choice: must be an object such as {"type": "auto"}.', 'tool_choice');
  switch (choice.type) {
    case 'auto':
      request.toolChoice = { type: 'auto' };
      break;
    case 'any':
      request.toolChoice = { type: 'required' };
      break;
    case 'none':
      request.toolChoice = { type: 'none' };
      break;
    case 'tool':
      if (typeof choice.name !== 'string') throw invalidRequest('tool_choice.name: Field required when tool_choice.type is "tool".', 'tool_choice');
      request.toolChoice = { type: 'tool', name: choice.name };
      break;
    default:
      throw invalidRequest('tool_choice.type: must be "auto", "any", "tool" or "none".', 'tool_choice');
  }
  if (typeof choice.disable_parallel_tool_use === 'boolean') request.parallelToolCalls = !choice.disable_parallel_tool_use;
}
