import type { AnswerTransform } from '../call/answer-transform';
import type { CanonicalResponse, ResponseContent } from '../core/response';
import type { StreamPart } from '../core/stream-part';
import { maxPlaceholderLength, placeholderPattern, type PlaceholderScope } from './placeholders';

/** A tail that may be the start of a placeholder: `<`, `<EM`, `<EMAIL_`, `<EMAIL_1`. */
const openPlaceholder = /<[A-Z0-9_]*$/;

/**
 * Puts original values back where the model echoed a placeholder, in whole answers and in
 * streams. A placeholder can arrive split across deltas (`<EMA` then `IL_1>`): each block holds
 * back a tail that could still become one — at most a placeholder's length, and only while it
 * looks like the start of one — and sends it with the next delta or at the block's end. In a
 * tool call's input, which is JSON text, the value goes in escaped for a JSON string.
 */
export function restoreTransform(scope: PlaceholderScope): AnswerTransform {
  const held = new Map<string, string>();
  const restoreText = (text: string): string => text.replace(placeholderPattern, (placeholder) => scope.original(placeholder) ?? placeholder);
  const restoreJson = (text: string): string =>
    text.replace(placeholderPattern, (placeholder) => {
      const value = scope.original(placeholder);
      return value === undefined ? placeholder : JSON.stringify(value).slice(1, -1);
    });
  const flush = (id: string, type: 'text-delta' | 'reasoning-delta' | 'tool-input-delta'): StreamPart[] => {
    const rest = held.get(id);
    if (rest === undefined) return [];
    held.delete(id);
    return [{ type, id, delta: type === 'tool-input-delta' ? restoreJson(rest) : restoreText(rest) }];
  };
  const heldType = new Map<string, 'text-delta' | 'reasoning-delta' | 'tool-input-delta'>();
  return {
    part(part) {
      switch (part.type) {
        case 'text-delta':
        case 'reasoning-delta':
        case 'tool-input-delta': {
          const text = (held.get(part.id) ?? '') + part.delta;
          const tail = openPlaceholder.exec(text.length > maxPlaceholderLength ? text.slice(-maxPlaceholderLength) : text);
          const cut = tail === null ? text.length : text.length - tail[0].length;
          if (cut < text.length) {
            held.set(part.id, text.slice(cut));
            heldType.set(part.id, part.type);
          } else {
            held.delete(part.id);
          }
          if (cut === 0) return [];
          const ready = text.slice(0, cut);
          return [{ type: part.type, id: part.id, delta: part.type === 'tool-input-delta' ? restoreJson(ready) : restoreText(ready) }];
        }
        case 'text-end':
          return [...flush(part.id, 'text-delta'), part];
        case 'reasoning-end':
          return [...flush(part.id, 'reasoning-delta'), part];
        case 'tool-input-end':
          return [...flush(part.id, 'tool-input-delta'), part];
        case 'finish':
        case 'error': {
          // A provider that ends without closing its blocks still gets every held character out.
          const rest: StreamPart[] = [];
          for (const id of [...held.keys()]) rest.push(...flush(id, heldType.get(id)!));
          return [...rest, part];
        }
        default:
          return [part];
      }
    },
    response(response: CanonicalResponse): CanonicalResponse {
      const content = response.content.map((item): ResponseContent => {
        switch (item.type) {
          case 'text':
            return { ...item, text: restoreText(item.text) };
          case 'reasoning':
            return { ...item, text: restoreText(item.text) };
          case 'tool-call':
            return { ...item, input: restoreJson(item.input) };
        }
      });
      return { ...response, content };
    },
  };
}
