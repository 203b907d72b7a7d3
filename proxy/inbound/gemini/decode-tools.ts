import type { FunctionTool, ToolChoice, ToolDefinition } from '../../core/request';
import { isObject, type JsonObject } from '../../core/json';
import { invalidRequest } from '../decode-fields';
import { fromOpenApiSchema } from './openapi-schema';
import { read } from './read-field';

/**
 * `functionDeclarations` become function tools; any other tool (`googleSearch`,
 * `codeExecution`, `urlContext`…) is Gemini's own and travels as a provider tool.
 *
 * @see https://ai.google.dev/api/caching#Tool
 */
export function decodeTools(value: unknown): ToolDefinition[] {
  if (!Array.isArray(value)) throw invalidRequest('`tools` must be an array, e.g. [{"functionDeclarations":[…]}].', 'tools');
  const tools: ToolDefinition[] = [];
  value.forEach((tool, index) => {
    if (!isObject(tool)) throw invalidRequest(`\`tools[${index}]\` must be an object.`, `tools[${index}]`);
    for (const [key, entry] of Object.entries(tool)) {
      if (key === 'functionDeclarations' || key === 'function_declarations') {
        if (!Array.isArray(entry)) throw invalidRequest(`\`tools[${index}].functionDeclarations\` must be an array.`, `tools[${index}]`);
        entry.forEach((declaration, position) => tools.push(decodeFunctionDeclaration(declaration, `tools[${index}].functionDeclarations[${position}]`)));
      } else {
        tools.push({ type: 'provider', api: 'gemini', name: key, raw: { [key]: entry } });
      }
    }
  });
  return tools;
}

function decodeFunctionDeclaration(value: unknown, where: string): FunctionTool {
  if (!isObject(value) || typeof value.name !== 'string' || value.name === '') {
    throw invalidRequest(`\`${where}.name\` must name the function.`, where);
  }
  const tool: FunctionTool = { type: 'function', name: value.name, inputSchema: { type: 'object', properties: {} } };
  if (typeof value.description === 'string' && value.description !== '') tool.description = value.description;
  const jsonSchema = read(value, 'parametersJsonSchema', 'parameters_json_schema');
  if (isObject(jsonSchema)) tool.inputSchema = jsonSchema;
  else if (isObject(value.parameters)) tool.inputSchema = fromOpenApiSchema(value.parameters) as JsonObject;
  return tool;
}

/** @see https://ai.google.dev/api/caching#FunctionCallingConfig */
export function decodeToolConfig(value: unknown): ToolChoice | undefined {
  if (!isObject(value)) throw invalidRequest('`toolConfig` must be an object.', 'toolConfig');
  const config = read(value, 'functionCallingConfig', 'function_calling_config');
  if (!isObject(config)) return undefined;
  const mode = typeof config.mode === 'string' ? config.mode.toUpperCase() : 'AUTO';
  switch (mode) {
    case 'NONE':
      return { type: 'none' };
    case 'ANY': {
      const allowed = read(config, 'allowedFunctionNames', 'allowed_function_names');
      // Canonical choice names one tool or any; several allowed names widen to any.
      if (Array.isArray(allowed) && allowed.length === 1 && typeof allowed[0] === 'string') return { type: 'tool', name: allowed[0] };
      return { type: 'required' };
    }
    default:
      return { type: 'auto' };
  }
}
