import type { RouteConfig, RetryConfig, RouteStrategy, TimeoutConfig } from '../config/config';
import { defaultTimeouts } from '../config/config';
import { ProxyError } from '../core/errors';
import { isObject } from '../core/json';
import type { CandidateDecision, DecisionRecord } from '../routing/decision';
import { resolveModel, type ModelAddress } from '../routing/resolve-model';
import { orderCandidates } from '../routing/candidate-order';
import type { ServedTarget } from '../call/outcome';
import type { RequestContext } from '../call/request-context';
import type { ProviderApi } from '../providers/adapter';
import type { ResolvedProvider } from '../config/resolve-providers';
import { chooseApi } from '../codecs/registry';
import type { ProxyRuntime } from './runtime';
import { chooseCredential, type UpstreamCredential } from './upstream-target';


/** One place a call may go, before the policies had their say. */
export interface Candidate {
  /** `provider/model`, as records, breakers, latency stats and policies name it. */
  label: string;
  provider: ResolvedProvider;
  model: string;
  api: ProviderApi;
  /** The client already speaks `api`: the body goes as sent, the answer comes back as is. */
  passthrough: boolean;
  /** How to authenticate upstream, or why Switchyard cannot (no key for the provider). */
  credential: UpstreamCredential | ProxyError;
  /** This candidate's line in the decision record. */
  entry: CandidateDecision;
}

/** Where a call may go and how to try it: the plan stage's answer, before admission. */
export interface RoutePlan {
  strategy: RouteStrategy | 'direct';
  /** In the order the strategy tries them. */
  candidates: Candidate[];
  retry: RetryConfig;
  timeouts: TimeoutConfig;
  hedgeMs: number;
  /** Filled in as the call goes; part of the request record. */
  decision: DecisionRecord;
  /** A split route whose judge sampled this request: the served answer is collected for it. */
  judge?: { routeName: string; route: RouteConfig };
}

/** A call that cannot go anywhere, with what routing found out before it refused. */
export interface Refusal {
  refusal: ProxyError;
  decision?: DecisionRecord;
  /** The one target a direct call was refused for, so the record names it. */
  target?: ServedTarget;
}

export type Planned = { plan: RoutePlan } | Refusal;

/**
 * Decides where a call may go: the route a caller named with `x-switchyard-route`, else the
 * first matching rule's, else the route named like the model, else the config's `defaultRoute`
 * (unless the model is an alias the client chose), else the model as addressed. Calls
 * Switchyard makes itself (shadow, judge) go where they name, as addressed. Returns the
 * candidates in the order the route's strategy puts them, each with its reason, or a refusal.
 * Nothing is filtered here: policies and missing keys are the admit stage's business.
 */
export function planCall(runtime: ProxyRuntime, context: RequestContext): Planned {
  const { config, rules } = runtime.routing;
  const features = context.features;
  const headerRoute = context.purpose === 'served' ? features.header('x-switchyard-route') : undefined;
  let decision: DecisionRecord;
  let destination: string;
  if (context.purpose !== 'served') {
    decision = emptyDecision('direct');
    destination = context.requestedModel;
  } else if (headerRoute !== undefined && headerRoute !== '') {
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
  try {
    const route = context.purpose === 'served' && Object.hasOwn(config.routes, destination) ? config.routes[destination] : undefined;
    if (route === undefined) {
      if (decision.via === 'header' && !destination.includes('/') && !Object.hasOwn(config.aliases, destination)) {
        const names = Object.keys(config.routes);
        throw new ProxyError('invalid_request', `The x-switchyard-route header names '${destination}', which is not a route in the config${names.length > 0 ? ` (routes: ${names.join(', ')})` : ''}. Name a route, an alias or a provider/model.`);
      }
      return { plan: directPlan(runtime, context, destination, decision) };
    }
    decision.route = destination;
    decision.strategy = route.strategy;
    return { plan: routePlan(runtime, context, route, decision) };
  } catch (error) {
    if (!(error instanceof ProxyError)) throw error;
    return { refusal: error, decision };
  }
}

/** A direct call's timeouts, the defaults: one object for every such call (nothing writes to a plan's timeouts). */
const directTimeouts: TimeoutConfig = Object.freeze(defaultTimeouts());

function directPlan(runtime: ProxyRuntime, context: RequestContext, model: string, decision: DecisionRecord): RoutePlan {
  const { address, label } = resolveName(runtime, model);
  const reason = context.purpose !== 'served' ? `${context.purpose} call` : decision.via === 'direct' ? 'as addressed' : `${decision.via} names it`;
  const entry: CandidateDecision = { target: label, outcome: 'unused', reason };
  decision.candidates.push(entry);
  return { strategy: 'direct', candidates: [candidate(runtime, context, address, label, entry)], retry: runtime.routing.config.retry, timeouts: directTimeouts, hedgeMs: 0, decision };
}

/** A model name resolved, with the `provider/model` label records, breakers and policies know it by. */
interface ResolvedName {
  readonly address: ModelAddress;
  readonly label: string;
}

/**
 * Where the names calls ask for lead, remembered per routing state (its providers map, made anew
 * on every config load and key change) and config: resolving a name tested its aliases, its
 * provider prefix, the declared models and the well-known families, and joined the label, on
 * every call. Bounded like the rules' model index: a name is the client's to choose.
 */
const resolvedNames = new WeakMap<ReadonlyMap<string, ResolvedProvider>, { config: object; names: Map<string, ResolvedName> }>();
const resolvedNamesLimit = 1000;

function resolveName(runtime: ProxyRuntime, name: string): ResolvedName {
  const { config, providers } = runtime.routing;
  let known = resolvedNames.get(providers);
  if (known === undefined || known.config !== config) {
    known = { config, names: new Map() };
    resolvedNames.set(providers, known);
  }
  let resolved = known.names.get(name);
  if (resolved === undefined) {
    // A name no provider serves throws, every time, and is not remembered.
    const address = resolveModel(name, config, providers);
    resolved = { address, label: `${address.provider.id}/${address.model}` };
    if (known.names.size >= resolvedNamesLimit) known.names.clear();
    known.names.set(name, resolved);
  }
  return resolved;
}

function routePlan(runtime: ProxyRuntime, context: RequestContext, route: RouteConfig, decision: DecisionRecord): RoutePlan {
  const { pricer } = runtime.routing;
  const features = context.features;
  const addresses = new Map<string, ResolvedName>();
  for (const label of route.targets) addresses.set(label, resolveName(runtime, label));
  const ordered = orderCandidates(route.strategy, route.targets, {
    random: runtime.reliability.random,
    latency: runtime.reliability.latency,
    weights: route.weights,
    stickyKey: route.strategy === 'split' ? stickyKey(context) : undefined,
    // Only `cheapest` looks at tokens: other strategies never pay for the decode.
    estimatedInputTokens: route.strategy === 'cheapest' ? features.estimatedInputTokens : 0,
    maxOutputTokens: route.strategy === 'cheapest' ? features.decoded()?.maxOutputTokens : undefined,
    priceOf: (label, usage) => {
      const { address } = addresses.get(label)!;
      return pricer.price(address.provider.id, address.model, usage);
    },
  });
  const candidates: Candidate[] = [];
  for (const { target: label, reason } of ordered) {
    const entry: CandidateDecision = { target: label, outcome: 'unused', reason };
    decision.candidates.push(entry);
    const resolved = addresses.get(label)!;
    candidates.push(candidate(runtime, context, resolved.address, resolved.label, entry));
  }
  const plan: RoutePlan = { strategy: route.strategy, candidates, retry: route.retry, timeouts: route.timeouts, hedgeMs: route.hedgeMs ?? 0, decision };
  if (route.judge && context.operation === 'generate' && runtime.splits.wantsAnswer(route)) plan.judge = { routeName: decision.route!, route };
  return plan;
}

function candidate(runtime: ProxyRuntime, context: RequestContext, address: ModelAddress, label: string, entry: CandidateDecision): Candidate {
  const api = chooseApi(address.provider.kind, context.format, address.model);
  // Only a client's own bytes can pass through; Switchyard's own calls are always encoded.
  const passthrough = context.raw !== undefined && api === context.format;
  let credential: UpstreamCredential | ProxyError;
  try {
    credential = chooseCredential(address.provider, context.headers, passthrough, runtime.routing.principals.size > 0);
  } catch (error) {
    if (!(error instanceof ProxyError)) throw error;
    credential = error;
  }
  return { label, provider: address.provider, model: address.model, api, passthrough, credential, entry };
}

/**
 * What keeps a conversation on one arm of a split: a session header if the caller sends one,
 * else the ids the SDKs already send (Claude Code's `metadata.user_id` holds its session).
 */
function stickyKey(context: RequestContext): string | undefined {
  const header = context.features.header('x-switchyard-session') ?? context.features.header('x-session-id');
  if (header !== undefined) return header;
  let body;
  try {
    body = context.body();
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
