import type { EndpointTarget, WireOperation } from '../adapter';

/**
 * Responses API endpoints. Embeddings and the model list are the same OpenAI endpoints the
 * Chat adapter uses; input tokens are counted by `POST /responses/input_tokens`.
 *
 * @see https://platform.openai.com/docs/api-reference/responses/create
 * @see https://platform.openai.com/docs/api-reference/responses/input-tokens
 * @see https://platform.openai.com/docs/api-reference/embeddings/create
 * @see https://platform.openai.com/docs/api-reference/models/list
 */
export function responsesEndpointUrl(operation: WireOperation, target: EndpointTarget): string {
  switch (operation) {
    case 'generate':
    case 'stream':
      return `${target.baseUrl}/responses`;
    case 'count-tokens':
      return `${target.baseUrl}/responses/input_tokens`;
    case 'embed':
      return `${target.baseUrl}/embeddings`;
    case 'list-models':
      return `${target.baseUrl}/models`;
  }
}
