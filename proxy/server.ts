import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ProxyError } from './core/errors';
import type { ControlPlane } from './control/control-plane';
import { createModelsHandler } from './pipeline/handle-models';
import type { ProxyRuntime } from './pipeline/runtime';
import { serveCall } from './pipeline/stages';
import type { Endpoint } from './pipeline/endpoint';
import { generateEndpoint } from './pipeline/endpoints/generate';
import { embeddingsEndpoint } from './pipeline/endpoints/embeddings';
import { countTokensEndpoint } from './pipeline/endpoints/count-tokens';
import { checkAccessKey, refuseHostOrOrigin, sendProxyError } from './security/middleware';
import type { ModelHandler } from './http/model-route';
import type { DoorRefusals } from './security/door-refusals';
import { startClock } from './http/call-clock';

/** Gemini's REST paths: the model (which may hold a `provider/` prefix) and an action. */
const geminiPath = /^\/v1beta\/models\/.+:(generateContent|streamGenerateContent|countTokens)$/;

export interface ServerOptions {
  runtime: ProxyRuntime;
  controlToken: string;
  /** Where a control API caller finds the token, for the 401 message. */
  controlTokenHint?: string;
  /** Keys, config editing and lifecycle over the control API; without it those routes answer 503. */
  control?: ControlPlane;
  /** Counts, logs and announces calls refused at the front door. */
  doorRefusals?: DoorRefusals;
  /** What the stores report as not working (a team server out of reach), for `/health`. */
  storageProblems?: () => string[];
  /** `GET /metrics` (Prometheus), behind the control token or the metrics token; 404 without it. */
  metrics?: (request: http.IncomingMessage, response: http.ServerResponse) => void;
}

/**
 * The whole request order in one place. The model APIs sit on every call a developer's tools
 * make, so node:http hands them straight to their handlers after the host, origin and access
 * key checks: in the benchmark, Express's request handling cost ~55 µs per call (a third of
 * Switchyard's whole overhead over a bare forwarder). Everything else — the control API with
 * its own token, probes, CORS preflights, 404s — goes through Express, behind the same host
 * and origin checks.
 */
export function createRequestListener(options: ServerOptions): http.RequestListener {
  const { runtime } = options;
  // Loaded on the first request for it: Express and the control API are ~16 MB of a proxy that
  // may serve only model calls (the VS Code extension's first health check loads them).
  let app: Promise<http.RequestListener> | undefined;
  // Uptime counts from here, not from the control API's late load (the first health check).
  const startedAt = Date.now();
  const serveByApp = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    app ??= import('./control/control-app').then(({ createControlApp }) => createControlApp({ ...options, startedAt }));
    app.then(
      (handle) => handle(request, response),
      (error: unknown) => {
        runtime.log(`the control API could not be loaded: ${(error as Error)?.stack ?? String(error)}`);
        sendProxyError(request.url ?? '/', request.headers, response, new ProxyError('api_error', 'Switchyard hit an internal error; see the proxy log for details.'));
      },
    );
  };
  // Every model endpoint is a thin adapter onto the one stage list (pipeline/stages.ts).
  const endpoints = new Map<string, Endpoint>([
    ['POST /v1/chat/completions', generateEndpoint('openai-chat')],
    ['POST /v1/responses', generateEndpoint('openai-responses')],
    ['POST /v1/messages', generateEndpoint('anthropic-messages')],
    ['POST /v1/messages/count_tokens', countTokensEndpoint('anthropic-messages')],
    ['POST /v1/embeddings', embeddingsEndpoint],
  ]);
  const generateGemini = generateEndpoint('gemini');
  const countGeminiTokens = countTokensEndpoint('gemini');
  const listModels: ModelHandler = createModelsHandler(runtime);
  return function routeRequest(request, response): void {
    const url = request.url ?? '/';
    const queryStart = url.indexOf('?');
    const path = queryStart === -1 ? url : url.slice(0, queryStart);
    const key = `${request.method} ${path}`;
    const models = key === 'GET /v1/models';
    const endpoint = endpoints.get(key) ?? (request.method === 'POST' ? geminiEndpoint(path) : undefined);
    if (endpoint === undefined && !models) {
      serveByApp(request, response);
      return;
    }
    // From here Switchyard's own time runs: `x-switchyard-overhead-ms` on every model API answer.
    startClock(request);
    const routing = runtime.routing;
    const refusal = refuseHostOrOrigin(routing.config, request, response);
    const access = refusal ?? checkAccessKey(routing.principals, request);
    // Refused here, a call leaves no record (past this point every one does). A foreign Host or
    // Origin may be hostile; a wrong access key is someone not allowed to use this proxy, and
    // recording it would mean reading an unauthenticated body for a model name it chose and
    // letting any local process write rows into the user's request log and spend. The client
    // is told what to do in its own error shape; the refusal is counted, logged (rate-limited)
    // and shown in the panel with its user agent, the body never read.
    if (access instanceof ProxyError) {
      request.resume();
      sendProxyError(path, request.headers, response, access);
      options.doorRefusals?.count('host-or-origin', request.headers['user-agent'], access.message);
      return;
    }
    if ('error' in access) {
      request.resume();
      sendProxyError(path, request.headers, response, access.error);
      options.doorRefusals?.count(access.reason, request.headers['user-agent'], access.fix);
      return;
    }
    const handled = endpoint === undefined ? Promise.resolve(listModels(request, response, { path, principal: access.principal })) : serveCall(runtime, endpoint, { request, response, path, principal: access.principal });
    handled.catch((error: unknown) => {
      runtime.log(`unhandled error on ${request.method} ${path}: ${(error as Error)?.stack ?? String(error)}`);
      if (response.headersSent) response.end();
      else sendProxyError(path, request.headers, response, new ProxyError('api_error', 'Switchyard hit an internal error; see the proxy log for details.'));
    });
  };

  function geminiEndpoint(path: string): Endpoint | undefined {
    const match = geminiPath.exec(path);
    if (match === null) return undefined;
    return match[1] === 'countTokens' ? countGeminiTokens : generateGemini;
  }
}

export interface RunningServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

/**
 * The accept queue asked of the OS. Node's default (511) overflowed when 1,000 streams arrived
 * within 250 ms: 365 SYNs were dropped and each came back only after the client's 1 s SYN
 * retransmit. The kernel caps it at `net.core.somaxconn` (4096 on Linux since 5.4, 128 before;
 * `kern.ipc.somaxconn` on macOS, 128 by default), so this asks for the largest common cap.
 */
export const listenBacklog = 4096;

/** Listens on host:port (port 0 picks a free one) and resolves once the socket is bound. */
export async function listen(listener: http.RequestListener, host: string, port: number): Promise<RunningServer> {
  const server = http.createServer(listener);
  // Long generations: no server-side request timeout; keep-alive kept a little longer than clients'.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: listenBacklog }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Per connection, not per request: what close() needs to know about sockets no request used.
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // HTTP clients open spare connections ahead of need; one that never carried a request
        // is not "idle" to Node and would hold the close up until the client gives it up.
        for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
      }),
  };
}
