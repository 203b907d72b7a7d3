import type { FunctionTool, ToolChoice, ToolDefinition } from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';
import { invalidRequest } from '../decode-fields';

/** Decodes `tools` and the deprecated `functions` list; undefined when the request has none. */
export function decodeTools(body: JsonObject): ToolDefinition[] | undefined {
  const tools: ToolDefinition[] = [];
  if (body.tools !== undefined && body.tools !== null) {
    if (!Array.isArray(body.tools)) throw invalidRequest('`tools` must be an array of tool definitions.', 'tools');
    for (let index = 0; index < body.tools.length; index++) {
      const tool = body.tools[index];
      const path = `tools[${index}]`;
      if (!isObject(tool)) throw invalidRequest(`\`${path}\` must be a tool object with a \`type\`.`, path);
      if (tool.type === 'function') {
        tools.push(decodeFunction(tool.function, `${path}.function`));
      } else {
        const custom = tool.custom;
        const name = isObject(custom) && typeof custom.name === 'string' ? custom.name : undefined;
        tools.push({ type: 'provider', api: 'openai-chat', ...(name !== undefined && { name }), raw: tool });
      }
    }
  }
  // The deprecated `functions` list is the same definitions without the wrapper.
  if (Array.isArray(body.functions)) {
    for (let index = 0; index < body.functions.length; index++) {
      tools.push(decodeFunction(body.functions[index], `functions[${index}]`));
    }
  }
  return tools.length > 0 ? tools : undefined;
}

function decodeFunction(definition: unknown, path: string): FunctionTool {
  if (!isObject(definition) || typeof definition.name !== 'string') {
    throw invalidRequest(`\`${path}.name\` must name the function.`, path);
  }
  const tool: FunctionTool = {
    type: 'function',
    name: definition.name,
    inputSchema: isObject(definition.parameters) ? definition.parameters : { type: 'object', properties: {} },
  };
  if (typeof definition.description === 'string') tool.description = definition.description;
  if (typeof definition.strict === 'boolean') tool.strict = definition.strict;
  return tool;
}

/** Decodes `tool_choice`, or the legacy `function_call`; undefined when neither was sent. */
export function decodeToolChoice(body: JsonObject): ToolChoice | undefined {
  const choice = body.tool_choice ?? body.function_call;
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { type: choice };
  if (isObject(choice)) {
    if (typeof choice.name === 'string') return { type: 'tool', name: choice.name }; // legacy `function_call: { name }`
    const named = choice.function ?? choice.custom;
    if (isObject(named) && typeof named.name === 'string') return { type: 'tool', name: named.name };
    // `allowed_tools` narrows the tool list; the mode is the part every provider understands.
    const allowed = choice.allowed_tools;
    if (isObject(allowed) && (allowed.mode === 'auto' || allowed.mode === 'required')) return { type: allowed.mode };
  }
  const param = body.tool_choice !== undefined ? 'tool_choice' : 'function_call';
  throw invalidRequest(
    `\`${param}\` must be "auto", "none", "required" or {"type":"function","function":{"name":"…"}}.`,
    param,
  );
}
