import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../core/errors';
import { clockOf } from './call-clock';

/**
 * Reads a request body as raw bytes (the passthrough path forwards them untouched), refusing
 * more than `limit` bytes as soon as the declared length or the bytes received exceed it.
 * The wait for the client's bytes is not Switchyard's overhead: its clock (if any) is told.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (declared > limit) {
    request.resume();
    return Promise.reject(tooLarge(limit));
  }
  const clock = clockOf(request);
  clock?.waitStart();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.resume();
        clock?.waitEnd();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      clock?.waitEnd();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    request.on('error', (error) => {
      clock?.waitEnd();
      reject(error);
    });
  });
}

function tooLarge(limit: number): ProxyError {
  return new ProxyError(
    'request_too_large',
    `The request body is larger than Switchyard's limit of ${limit} bytes. Raise "maxBodyBytes" in the config if this is intended.`,
  );
}

/** Parses a JSON object body or throws a client-facing error saying what is wrong. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) {
    throw new ProxyError('invalid_request', 'The request body is empty. Send a JSON object with content-type: application/json.');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ProxyError('invalid_request', `The request body is not valid JSON (${(error as Error).message}). Send a JSON object.`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProxyError('invalid_request', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}
