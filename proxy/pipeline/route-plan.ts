import type { IncomingHttpHeaders } from 'node:http';
import type { ClientFormat } from '../core/request';
import { ProxyError } from '../core/errors';
import { isObject, type JsonObject } from '../core/json';
import { defaultRetry, defaultTimeouts, type RouteConfig } from '../config/config';
import type { CandidateDecision, DecisionRecord } from '../routing/decision';
import type { RequestFeatures } from '../routing/request-features';
import { resolveModel, type ModelAddress } from '../routing/resolve-model';
import { orderCandidates } from '../routing/candidate-order';
import { disabledModelError } from '../routing/disabled-models';
import type { AttemptTarget } from './attempt';
import { chooseApi, nativeApi } from './codecs';
import type { RoutePlan } from './execute-route';
import type { ProxyRuntime } from './runtime';
import { chooseCredential } from './upstream-target';

/** A direct call is tried once: retrying is the client's business unless a route says otherwise. */
const directRetry = { ...defaultRetry(), attempts: 1 };

/**
 * The parts of a call's record that routing fills in (a `Call` is one). A refused call is
 * recorded too, so the decision goes here as soon as there is one, and a refused direct call
 * names the target it was refused for: the request log shows why the client's tool failed.
 */
export interface RoutedRecord {
  decision: DecisionRecord | undefined;
  provider: string | undefined;
  model: string | undefined;
}

/**
 * Decides where a call may go: the route a caller named with `x-switchyard-route`, else the
 * first matching rule's, else the route named like the model, else the config's `defaultRoute`
 * (unless the model is an alias the client chose), else the model as addressed.
 * Returns the candidates in the order the route's strategy puts them, each with its reason;
 * targets matching `disabledModels` are skipped, and a call that only they could answer is
 * refused. The decision is put on `record` before any refusal is thrown.
 */
export function planRoute(runtime: ProxyRuntime, format: ClientFormat, features: RequestFeatures, headers: IncomingHttpHeaders, body: () => JsonObject, record: RoutedRecord): RoutePlan {
  const { config, rules } = runtime.routing;
  const headerRoute = features.header('x-switchyard-route');
  let decision: DecisionRecord;
  let destination: string;
  if (headerRoute !== undefined && headerRoute !== '') {
    decision = emptyDecision('header');
    destination = headerRoute;
  } else {
    const selection = rules.select(features);
    if (selection) {
      decision = emptyDecision('rule');
      decision.rule = selection.rule.name === undefined ? { index: selection.index } : { index: selection.index, name: selection.rule.name };
      destination = selection.rule.route;
    } else if (Object.hasOwn(config.routes, features.model)) {
      decision = emptyDecision('model');
      destination = features.model;
    } else if (config.defaultRoute !== undefined && !Object.hasOwn(config.aliases, features.model)) {
      decision = emptyDecision('default-route');
      destination = config.defaultRoute;
    } else {
      decision = emptyDecision('direct');
      destination = features.model;
    }
  }
  record.decision = decision;
  const route = Object.hasOwn(config.routes, destination) ? config.routes[destination] : undefined;
  if (route === undefined) {
    if (decision.via === 'header' && !destination.includes('/') && !Object.hasOwn(config.aliases, destination)) {
      const names = Object.keys(config.routes);
      throw new ProxyError('invalid_request', `The x-switchyard-route header names '${destination}', which is not a route in the config${names.length > 0 ? ` (routes: ${names.join(', ')})` : ''}. Name a route, an alias or a provider/model.`);
    }
    return directPlan(runtime, format, destination, decision, headers, record);
  }
  decision.route = destination;
  decision.strategy = route.strategy;
  return routePlan(runtime, format, route, features, decision, headers, body);
}

function directPlan(runtime: ProxyRuntime, format: ClientFormat, model: string, decision: DecisionRecord, headers: IncomingHttpHeaders, record: RoutedRecord): RoutePlan {
  const address = resolveModel(model, runtime.routing.config, runtime.routing.providers);
  const isDisabled = runtime.routing.isDisabled;
  if (isDisabled !== undefined) {
    const resolved = `${address.provider.id}/${address.model}`;
    if (isDisabled(resolved)) {
      noteRefusedTarget(record, decision, address, 'disabled');
      throw disabledModelError([resolved]);
    }
  }
  let target: AttemptTarget;
  try {
    target = attemptTarget(runtime, format, address, headers);
  } catch (error) {
    if (error instanceof ProxyError) noteRefusedTarget(record, decision, address, `no API key for ${address.provider.id}`);
    throw error;
  }
  decision.candidates.push({ target: target.label, outcome: 'unused', reason: decision.via === 'direct' ? 'as addressed' : `${decision.via} names it` });
  return { strategy: 'direct', candidates: [target], retry: directRetry, timeouts: defaultTimeouts(), hedgeMs: 0, decision };
}

/** Records the one target a direct call had and why it was passed over, before the refusal. */
function noteRefusedTarget(record: RoutedRecord, decision: DecisionRecord, address: ModelAddress, reason: string): void {
  record.provider = address.provider.id;
  record.model = address.model;
  decision.candidates.push({ target: `${address.provider.id}/${address.model}`, outcome: 'skipped', reason });
}

function routePlan(runtime: ProxyRuntime, format: ClientFormat, route: RouteConfig, features: RequestFeatures, decision: DecisionRecord, headers: IncomingHttpHeaders, body: () => JsonObject): RoutePlan {
  const { config, providers, pricer } = runtime.routing;
  const addresses = new Map<string, ModelAddress>();
  for (const label of route.targets) addresses.set(label, resolveModel(label, config, providers));
  const ordered = orderCandidates(route.strategy, route.targets, {
    random: runtime.reliability.random,
    latency: runtime.reliability.latency,
    weights: route.weights,
    stickyKey: route.strategy === 'split' ? stickyKey(features, body) : undefined,
    // Only `cheapest` looks at tokens: other strategies never pay for the decode.
    estimatedInputTokens: route.strategy === 'cheapest' ? features.estimatedInputTokens : 0,
    maxOutputTokens: route.strategy === 'cheapest' ? features.decoded()?.maxOutputTokens : undefined,
    priceOf: (label, usage) => {
      const address = addresses.get(label)!;
      return pricer.price(address.provider.id, address.model, usage);
    },
  });
  const candidates: AttemptTarget[] = [];
  const isDisabled = runtime.routing.isDisabled;
  const disabled: string[] = [];
  for (const { target: label, reason } of ordered) {
    const entry: CandidateDecision = { target: label, outcome: 'unused', reason };
    const address = addresses.get(label)!;
    if (isDisabled !== undefined) {
      // Matched on the resolved provider/model: an alias among the targets is caught too.
      const resolved = `${address.provider.id}/${address.model}`;
      if (isDisabled(resolved)) {
        entry.outcome = 'skipped';
        entry.reason = 'disabled';
        disabled.push(resolved);
        decision.candidates.push(entry);
        continue;
      }
    }
    try {
      candidates.push(attemptTarget(runtime, format, address, headers));
    } catch (error) {
      if (!(error instanceof ProxyError)) throw error;
      entry.outcome = 'skipped';
      entry.reason = `no API key for ${address.provider.id}`;
    }
    decision.candidates.push(entry);
  }
  if (candidates.length === 0) {
    if (disabled.length > 0 && disabled.length === decision.candidates.length) throw disabledModelError(disabled, decision.route);
    throw new ProxyError('authentication', `No target of route '${decision.route}' has an API key: ${decision.candidates.map((entry) => entry.target).join(', ')}. In VS Code, run "Switchyard: Set Provider Key"; otherwise set the providers' key variables and restart the proxy.`);
  }
  // Candidates without a key are left out of the plan; keep the decision's order aligned.
  decision.candidates.sort((left, right) => Number(left.outcome === 'skipped') - Number(right.outcome === 'skipped'));
  const plan: RoutePlan = { strategy: route.strategy, candidates, retry: route.retry, timeouts: route.timeouts, hedgeMs: route.hedgeMs ?? 0, decision };
  if (route.judge && runtime.splits.wantsAnswer(route)) plan.judge = { routeName: decision.route!, route };
  return plan;
}

function attemptTarget(runtime: ProxyRuntime, format: ClientFormat, address: ModelAddress, headers: IncomingHttpHeaders): AttemptTarget {
  const api = chooseApi(address.provider.kind, format, address.model);
  const passthrough = nativeApi[format] === api;
  const credential = chooseCredential(address.provider, headers, passthrough, runtime.routing.config.accessKeys.length > 0);
  return { label: `${address.provider.id}/${address.model}`, provider: address.provider, model: address.model, api, passthrough, credential };
}

/**
 * What keeps a conversation on one arm of a split: a session header if the caller sends one,
 * else the ids the SDKs already send (Claude Code's `metadata.user_id` holds its session).
 */
function stickyKey(features: RequestFeatures, readBody: () => JsonObject): string | undefined {
  const header = features.header('x-switchyard-session') ?? features.header('x-session-id');
  if (header !== undefined) return header;
  let body: JsonObject;
  try {
    body = readBody();
  } catch {
    return undefined;
  }
  const metadata = isObject(body.metadata) ? body.metadata : undefined;
  for (const value of [metadata?.user_id, body.prompt_cache_key, body.user]) if (typeof value === 'string' && value !== '') return value;
  return undefined;
}

function emptyDecision(via: DecisionRecord['via']): DecisionRecord {
  return { via, strategy: 'direct', candidates: [], attempts: [] };
}
