import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProxyError } from '../../../proxy/core/errors';
import type { StreamPart } from '../../../proxy/core/stream-part';
import type { StreamDecoder } from '../../../proxy/providers/adapter';
import { SseParser, type SseEvent } from '../../../proxy/sse/sse-parser';

/** The SSE events of a recorded stream fixture, `test/fixtures/<folder>/<name>`. */
export function fixtureEvents(folder: string, name: string): SseEvent[] {
  const parser = new SseParser();
  return [...parser.push(readFileSync(join(__dirname, '../../fixtures', folder, name))), ...parser.end()];
}

/** A JSON fixture, `test/fixtures/<folder>/<name>`. */
export function fixtureJson(folder: string, name: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, '../../fixtures', folder, name), 'utf8'));
}

/** Decodes events with a fresh decoder and closes it, as the pipeline does. */
export function decodeAll(decoder: StreamDecoder, events: SseEvent[]): StreamPart[] {
  const parts: StreamPart[] = [];
  for (const event of events) parts.push(...decoder.decode(event));
  parts.push(...decoder.end());
  return parts;
}

/** The error part a decoder gave for a malformed event, checked to be the malformed kind. */
export function malformedPart(parts: StreamPart[]): ProxyError {
  const error = parts.find((part) => part.type === 'error');
  assert.ok(error && error.type === 'error', `no error part in ${JSON.stringify(parts.map((part) => part.type))}`);
  assert.ok(error.error instanceof ProxyError);
  assert.equal(error.error.kind, 'api_error');
  assert.equal(error.error.status, 502);
  assert.equal(error.error.malformed, true, `not marked malformed: ${error.error.message}`);
  return error.error;
}

/** A small seeded generator (mulberry32), so a failing fuzz case can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const replacements: unknown[] = [null, 0, -1, 1.5, 1e308, '', 'x', true, false, [], [1, 'a'], {}, { type: 'text' }, { index: 'a' }];

/**
 * A copy of a JSON value with one structural change at a random depth: a field deleted, a
 * value replaced by one of another type, or an object or list emptied.
 */
export function mutateJson(value: unknown, random: () => number): unknown {
  const copy: unknown = JSON.parse(JSON.stringify(value));
  const containers: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        containers.push({ parent: node, key: index });
        walk(item);
      });
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, item] of Object.entries(node)) {
        containers.push({ parent: node as Record<string, unknown>, key });
        walk(item);
      }
    }
  };
  walk(copy);
  if (containers.length === 0 || random() < 0.05) return replacements[Math.floor(random() * replacements.length)];
  const { parent, key } = containers[Math.floor(random() * containers.length)]!;
  const choice = random();
  if (choice < 0.3 && !Array.isArray(parent)) delete parent[key as string];
  else if (Array.isArray(parent)) parent[key as number] = replacements[Math.floor(random() * replacements.length)];
  else parent[key as string] = replacements[Math.floor(random() * replacements.length)];
  return copy;
}

/**
 * Runs `rounds` streams through fresh decoders, each the fixture's events with one or two of
 * them structurally mutated, and fails on any exception (a decoder must turn anything into parts).
 */
export function fuzzStreamDecoder(createDecoder: () => StreamDecoder, events: SseEvent[], rounds: number, seed: number): void {
  const random = seededRandom(seed);
  const jsonEvents = events.filter((event) => event.data.startsWith('{'));
  assert.ok(jsonEvents.length > 0, 'the fixture has no JSON events');
  for (let round = 0; round < rounds; round++) {
    const mutated = events.map((event) => {
      if (!event.data.startsWith('{') || random() > 2 / jsonEvents.length) return event;
      return { ...event, data: JSON.stringify(mutateJson(JSON.parse(event.data), random)) };
    });
    try {
      const parts = decodeAll(createDecoder(), mutated);
      for (const part of parts) if (part.type === 'error') assert.ok(part.error instanceof ProxyError);
    } catch (error) {
      assert.fail(`round ${round} (seed ${seed}) threw ${(error as Error)?.stack ?? String(error)}\nevents: ${JSON.stringify(mutated)}`);
    }
  }
}

/** Runs `rounds` mutated copies of a whole answer through `decode`; only a ProxyError may be thrown. */
export function fuzzResponseDecoder(decode: (body: unknown) => unknown, body: unknown, rounds: number, seed: number): void {
  const random = seededRandom(seed);
  for (let round = 0; round < rounds; round++) {
    const mutated = mutateJson(body, random);
    try {
      decode(mutated);
    } catch (error) {
      if (!(error instanceof ProxyError)) assert.fail(`round ${round} (seed ${seed}) threw ${(error as Error)?.stack ?? String(error)}\nbody: ${JSON.stringify(mutated)}`);
    }
  }
}
