import type { Principal } from '../core/principal';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeHead } from './response-head';

/** What the front door found out about a model API request before its handler runs. */
export interface ModelRequestContext {
  /** The path without the query, e.g. `/v1/messages`. */
  path: string;
  /** The caller, by the local access key it presented; undefined when none is required. */
  principal: Principal | undefined;
}

/** A model API endpoint: plain node:http request and response, no framework in between. */
export type ModelHandler = (request: IncomingMessage, response: ServerResponse, context: ModelRequestContext) => Promise<void> | void;

/** Sends a JSON body with its length. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  writeHead(response, status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}
