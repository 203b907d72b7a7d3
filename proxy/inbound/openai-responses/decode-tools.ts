import type { FunctionTool, ProviderTool, ToolChoice, ToolDefinition } from '../../core/request';
import { withResponsesOptions } from '../../providers/openai-responses/responses-options';
import { isObject } from '../../core/json';
import { invalidRequest, isPresent, requiredString } from '../decode-fields';

/**
 * Function tools are flat (`{type: "function", name, parameters}`); every other tool type
 * (`namespace`, `custom`, `web_search`, `local_shell`, `mcp`…) is kept whole for a Responses
 * provider.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/create#responses-create-tools
 */
export function decodeTools(tools: unknown): ToolDefinition[] {
  if (!Array.isArray(tools)) throw invalidRequest('`tools` must be an array of tool definitions.', 'tools');
  const decoded: ToolDefinition[] = [];
  for (let index = 0; index < tools.length; index++) {
    const tool: unknown = tools[index];
    const param = `tools[${index}]`;
    if (!isObject(tool) || typeof tool.type !== 'string') {
      throw invalidRequest(`\`${param}\` must be an object with a \`type\`, such as {"type": "function", "name": "…", "parameters": {…}}.`, param);
    }
    if (tool.type !== 'function') {
      const provider: ProviderTool = { type: 'provider', api: 'openai-responses', raw: tool };
      if (typeof tool.name === 'string') provider.name = tool.name;
      decoded.push(provider);
      continue;
    }
    const name = requiredString(tool.name, `${param}.name`, 'the function name');
    if (isPresent(tool.parameters) && !isObject(tool.parameters)) {
      throw invalidRequest(`\`${param}.parameters\` must be a JSON Schema object.`, `${param}.parameters`);
    }
    const decodedTool: FunctionTool = {
      type: 'function',
      name,
      inputSchema: isObject(tool.parameters) ? tool.parameters : { type: 'object', properties: {} },
    };
    if (typeof tool.description === 'string') decodedTool.description = tool.description;
    if (typeof tool.strict === 'boolean') decodedTool.strict = tool.strict;
    if (typeof tool.defer_loading === 'boolean') withResponsesOptions(decodedTool, { deferLoading: tool.defer_loading });
    decoded.push(decodedTool);
  }
  return decoded;
}

/** Undefined for choices with no canonical form (`allowed_tools`, hosted tool types, `mcp`). */
export function decodeToolChoice(choice: unknown): ToolChoice | undefined {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { type: choice };
  if (typeof choice === 'string') throw invalidRequest('`tool_choice` must be "auto", "none", "required" or an object.', 'tool_choice');
  if (!isObject(choice)) throw invalidRequest('`tool_choice` must be "auto", "none", "required" or an object.', 'tool_choice');
  if ((choice.type === 'function' || choice.type === 'custom') && typeof choice.name === 'string') {
    return { type: 'tool', name: choice.name };
  }
  return undefined;
}
