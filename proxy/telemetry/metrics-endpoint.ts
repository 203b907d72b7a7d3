import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The Prometheus text format's content type (version 0.0.4, what every scraper accepts). */
export const metricsContentType = 'text/plain; version=0.0.4; charset=utf-8';

export interface MetricsEndpointOptions {
  /** The control token: it reads everything, `/metrics` included. */
  controlToken: string;
  /** A token that reads `/metrics` and nothing else; none configured when undefined. */
  metricsToken: string | undefined;
  /** The exposition text, written when scraped. */
  render: () => string;
}

/**
 * `GET /metrics`: the Prometheus exposition, for a bearer token that is the control token or
 * the metrics token. A scraper holds only the latter, which opens nothing else: no records,
 * no config, no keys. Tokens are compared as SHA-256 digests in constant time.
 */
export function createMetricsEndpoint(options: MetricsEndpointOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const accepted = [digest(options.controlToken)];
  if (options.metricsToken !== undefined && options.metricsToken !== '') accepted.push(digest(options.metricsToken));
  return function serveMetrics(request, response): void {
    const given = bearerToken(request);
    const givenDigest = given === undefined ? undefined : digest(given);
    if (givenDigest === undefined || !accepted.some((expected) => timingSafeEqual(expected, givenDigest))) {
      const problem = given === undefined ? 'needs a token' : 'got a wrong token';
      response.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="switchyard metrics"' });
      response.end(
        `Switchyard's /metrics ${problem}: send "Authorization: Bearer <token>" with the metrics token (SWITCHYARD_METRICS_TOKEN, --metrics-token-file or telemetry.metricsTokenFile) or the control token. See docs/observability.md.\n`,
      );
      return;
    }
    const text = options.render();
    response.writeHead(200, { 'content-type': metricsContentType, 'cache-control': 'no-store' });
    response.end(text);
  };
}

function bearerToken(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization === undefined || authorization.length <= 7 || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return authorization.slice(7).trim();
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
