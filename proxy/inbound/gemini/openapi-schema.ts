import { isObject, type JsonObject } from '../../core/json';

/**
 * Gemini's older `parameters` and `responseSchema` use an OpenAPI 3.0 subset: upper-case
 * types (`OBJECT`) and `nullable`. Other providers want JSON Schema, so types are lower-cased,
 * `nullable` becomes a `null` type, and Gemini's `propertyOrdering` is dropped.
 *
 * @see https://ai.google.dev/api/caching#Schema
 */
export function fromOpenApiSchema(schema: unknown): unknown {
  if (!isObject(schema)) return schema;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case 'type':
        if (typeof value === 'string' && value !== 'TYPE_UNSPECIFIED') result.type = value.toLowerCase();
        break;
      case 'properties':
        if (isObject(value)) {
          const properties: JsonObject = {};
          for (const [name, property] of Object.entries(value)) properties[name] = fromOpenApiSchema(property);
          result.properties = properties;
        }
        break;
      case 'items':
        result.items = fromOpenApiSchema(value);
        break;
      case 'anyOf':
        result.anyOf = Array.isArray(value) ? value.map(fromOpenApiSchema) : value;
        break;
      case 'nullable':
      case 'propertyOrdering':
        break;
      default:
        result[key] = value;
    }
  }
  if (schema.nullable === true && typeof result.type === 'string') result.type = [result.type, 'null'];
  return result;
}
