import type http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ProxyError } from '../core/errors';
import type { ProxyRuntime } from '../pipeline/runtime';
import { guardOrigin, sendProxyError } from '../security/middleware';
import type { DoorRefusals } from '../security/door-refusals';
import { version } from '../version';
import type { ControlPlane } from './control-plane';
import type { HealthInfo } from './protocol';
import { createControlRouter } from './routes';

/** What the Express app is built from (server.ts's options). */
export interface ControlAppOptions {
  runtime: ProxyRuntime;
  controlToken: string;
  controlTokenHint?: string;
  control?: ControlPlane;
  doorRefusals?: DoorRefusals;
  /** Problems of the stores besides the request log's (a team backend that is away), for `/health`. */
  storageProblems?: () => string[];
  /** `GET /metrics` (Prometheus); 404 without it. */
  metrics?: (request: http.IncomingMessage, response: http.ServerResponse) => void;
  /** When the proxy started serving (ms): `/health`'s uptime counts from it. Default: now. */
  startedAt?: number;
}

/**
 * Express for everything but the model APIs: control API, probes, preflights, 404s. Loaded by
 * server.ts on the first such request, so a proxy that serves only model calls never loads it.
 */
export function createControlApp({ runtime, controlToken, controlTokenHint, control, doorRefusals, storageProblems, metrics, startedAt = Date.now() }: ControlAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const health = (): HealthInfo => {
    const problems = requestLogProblems(runtime);
    for (const problem of storageProblems?.() ?? []) if (!problems.includes(problem)) problems.push(problem);
    return {
      status: problems.length === 0 ? 'ok' : 'degraded',
      version,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      pid: process.pid,
      ...(problems.length === 0 ? {} : { problems }),
    };
  };

  app.use(guardOrigin(() => runtime.routing.config));
  // Claude Code probes the base URL with HEAD / before its first call.
  app.head('/', (_request, response) => void response.status(200).end());
  app.get('/', (_request, response) => void response.json({ name: 'switchyard', version }));
  if (metrics !== undefined) app.get('/metrics', (request, response) => metrics(request, response));
  app.use('/_switchyard', createControlRouter({ token: controlToken, store: runtime.store, audit: runtime.audit, events: runtime.events, health, tokenHint: controlTokenHint, splits: runtime.splits, control, refusals: doorRefusals === undefined ? undefined : () => doorRefusals.notices(), viewerOf: (credential) => runtime.routing.principals.lookup(credential) }));

  app.use((request: Request, response: Response) => {
    sendProxyError(request.path, request.headers, response, new ProxyError('not_found', `Switchyard has no endpoint ${request.method} ${request.path}. It serves /v1/chat/completions, /v1/responses, /v1/embeddings, /v1/models, /v1/messages, /v1/messages/count_tokens and /v1beta/models/{model}:generateContent.`));
  });
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    runtime.log(`unhandled error on ${request.method} ${request.path}: ${(error as Error)?.stack ?? String(error)}`);
    if (response.headersSent) {
      response.end();
      return;
    }
    sendProxyError(request.path, request.headers, response, new ProxyError('api_error', 'Switchyard hit an internal error; see the proxy log for details.'));
  });
  return app;
}

/** What keeps requests from being recorded, for `/health`: a log that never opened, or one that cannot write. */
function requestLogProblems(runtime: ProxyRuntime): string[] {
  if (runtime.store === undefined) return ['The request log could not be opened: requests are served but not recorded. The proxy log says why.'];
  const problem = runtime.store.problem?.();
  return problem === undefined ? [] : [problem];
}
