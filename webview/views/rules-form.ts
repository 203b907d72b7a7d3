/**
 * The rules editor's form mode: the ordered rules (name, match fields, route), the routes
 * (strategy, targets, weights, hedge delay) and the aliases, built from the draft. Every input
 * carries `data-field-path` so the proxy's problems can be placed next to it.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import {
  addRoute,
  addRouteTarget,
  addRule,
  matchFields,
  moveRouteTarget,
  moveRule,
  removeRoute,
  removeRouteTarget,
  removeRule,
  renameRoute,
  routeChoices,
  routeFieldPath,
  routeStrategies,
  routesOf,
  ruleFieldPath,
  ruleForm,
  rulesOf,
  setRouteHedge,
  setRouteCache,
  type RouteCacheChoice,
  setRouteStrategy,
  setRouteTarget,
  setRouteWeight,
  setRuleField,
  type ConfigDraft,
  type RouteForm,
  type RuleField,
  type RuleForm,
} from '../rules-model';
import { element } from './dom';
import { field, iconButton, selectInput, textInput, type SelectOption } from './fields';

/** What the form reads and how it changes the draft. */
export interface RulesFormContext {
  draft: ConfigDraft;
  readOnly: boolean;
  /** Applies a change to the draft; `rerender` when the form's shape changes (rows added, moved…). */
  edit(change: (draft: ConfigDraft) => ConfigDraft, rerender: boolean): void;
  /** VS Code's model picker (grouped by provider, providers with a key first); absent in tests. */
  pickModel?(current: string): Promise<string | undefined>;
}

const customRoute = '\u0000custom';

const matchLabels: Readonly<Record<(typeof matchFields)[number], { label: string; placeholder: string }>> = {
  model: { label: 'Model', placeholder: 'any (glob, e.g. claude-*)' },
  endpoint: { label: 'Endpoint', placeholder: 'any (e.g. /v1/messages)' },
  clientKey: { label: 'Client key', placeholder: 'any (key id key_…, or label)' },
  headers: { label: 'Headers', placeholder: 'name: value; name: value' },
  tools: { label: 'Tools', placeholder: '' },
  images: { label: 'Images', placeholder: '' },
  minInputTokens: { label: 'Min input tokens', placeholder: 'none' },
  maxInputTokens: { label: 'Max input tokens', placeholder: 'none' },
};

const strategyDescriptions: Readonly<Record<string, string>> = {
  fallback: 'in order, next on failure',
  cheapest: 'lowest price first',
  fastest: 'lowest observed latency first',
  race: 'start the next after a delay, keep the first answer',
  split: 'weighted A/B',
};

/** The form's sections for the current draft. */
export function rulesFormSections(context: RulesFormContext): Array<HTMLElement | null> {
  const readOnly = context.readOnly;
  const rules = rulesOf(context.draft);
  const choices = routeChoices(context.draft);
  const rulesList = element(
    'div',
    { className: 'rule-list' },
    rules.length === 0 ? [element('p', { className: 'muted empty-list' }, ['No rules: requests go to the route or model they name.'])] : rules.map((rule, index) => ruleView(context, ruleForm(rule), index, rules.length, choices, readOnly)),
  );
  const routes = routesOf(context.draft);
  const routeList = element(
    'div',
    { className: 'route-list' },
    routes.length === 0 ? [element('p', { className: 'muted empty-list' }, ['No routes yet.'])] : routes.map((route) => routeView(context, route, readOnly)),
  );
  const addRuleButton = element('vscode-button', { id: 'rules-add', secondary: true, disabled: readOnly, on: { click: () => context.edit((draft) => addRule(draft), true) } }, ['Add rule']);
  const addRouteButton = element(
    'vscode-button',
    {
      id: 'routes-add',
      secondary: true,
      disabled: readOnly,
      on: {
        click: () => context.edit((draft) => addRoute(draft).config, true),
      },
    },
    ['Add route'],
  );
  return [
    element('section', { className: 'form-section', dataset: { fieldPath: 'rules' } }, [
      element('header', {}, [element('h2', {}, ['Rules']), element('span', { className: 'section-hint' }, ['Checked in order; the first rule that matches picks the route.'])]),
      element('div', { className: 'field-problems' }),
      rulesList,
      element('div', { className: 'list-actions' }, [addRuleButton]),
    ]),
    element('vscode-divider'),
    element('section', { className: 'form-section', dataset: { fieldPath: 'routes' } }, [
      element('header', {}, [element('h2', {}, ['Routes']), element('span', { className: 'section-hint' }, ['A strategy over provider/model targets. A client asking for a route’s name takes it too.'])]),
      element('div', { className: 'field-problems' }),
      routeList,
      element('div', { className: 'list-actions' }, [addRouteButton]),
    ]),
    aliasesView(context),
  ];
}

function ruleView(context: RulesFormContext, form: RuleForm, index: number, count: number, choices: ReturnType<typeof routeChoices>, readOnly: boolean): HTMLElement {
  const set = (name: RuleField) => (value: string) => context.edit((draft) => setRuleField(draft, index, name, value), false);
  const matchGrid = element(
    'div',
    { className: 'match-grid' },
    matchFields.map((name) => {
      const { label, placeholder } = matchLabels[name];
      const path = ruleFieldPath(index, name);
      if (name === 'tools' || name === 'images') {
        const noun = name === 'tools' ? 'tools' : 'images';
        return field(
          path,
          label,
          selectInput({
            value: form[name],
            label: `Rule ${index + 1} ${label}`,
            readOnly,
            choices: [
              { value: 'any', label: 'Any' },
              { value: 'yes', label: `With ${noun}` },
              { value: 'no', label: `Without ${noun}` },
            ],
            onChange: set(name),
          }),
        );
      }
      return field(path, label, textInput({ value: form[name], placeholder, label: `Rule ${index + 1} ${label}`, readOnly, onInput: set(name) }));
    }),
  );
  return element('div', { className: 'rule-card', dataset: { ruleIndex: index, fieldPath: `rules[${index}]` } }, [
    element('div', { className: 'card-head' }, [
      element('span', { className: 'rule-number', title: `Checked ${ordinal(index + 1)}` }, [String(index + 1)]),
      field(ruleFieldPath(index, 'name'), 'Name', textInput({ value: form.name, placeholder: 'unnamed', label: `Rule ${index + 1} name`, readOnly, onInput: set('name') }), 'name-field'),
      routeSelector(context, form.route, index, choices, readOnly),
      element('div', { className: 'card-actions' }, [
        iconButton('arrow-up', 'Move up', () => context.edit((draft) => moveRule(draft, index, -1), true), readOnly || index === 0),
        iconButton('arrow-down', 'Move down', () => context.edit((draft) => moveRule(draft, index, 1), true), readOnly || index === count - 1),
        iconButton('trash', 'Delete rule', () => context.edit((draft) => removeRule(draft, index), true), readOnly),
      ]),
    ]),
    element('div', { className: 'card-subhead' }, ['Matches when all of these hold']),
    matchGrid,
    element('div', { className: 'field-problems' }),
  ]);
}

/** Routes and aliases from the config, or any `provider/model` typed in. */
function routeSelector(context: RulesFormContext, route: string, index: number, choices: ReturnType<typeof routeChoices>, readOnly: boolean): HTMLElement {
  const known = choices.some((choice) => choice.value === route);
  const options: SelectOption[] = choices.map((choice) => ({ value: choice.value, label: choice.value, description: `${choice.kind}: ${choice.description}` }));
  options.push({ value: customRoute, label: 'provider/model…', description: 'any target by name' });
  const path = ruleFieldPath(index, 'route');
  const custom = textInput({
    value: known ? '' : route,
    placeholder: 'provider/model',
    label: `Rule ${index + 1} target`,
    readOnly,
    className: 'custom-route',
    onInput: (value) => context.edit((draft) => setRuleField(draft, index, 'route', value), false),
  });
  custom.hidden = known;
  const select = selectInput({
    value: known ? route : customRoute,
    choices: options,
    label: `Rule ${index + 1} route`,
    readOnly,
    onChange: (value) => {
      custom.hidden = value !== customRoute;
      if (value === customRoute) {
        custom.focus();
        context.edit((draft) => setRuleField(draft, index, 'route', custom.value), false);
      } else {
        context.edit((draft) => setRuleField(draft, index, 'route', value), false);
      }
    },
  });
  return field(path, 'Route', element('div', { className: 'route-picker' }, [select, custom]), 'route-field');
}

function routeView(context: RulesFormContext, route: RouteForm, readOnly: boolean): HTMLElement {
  const name = route.name;
  const isSplit = route.strategy === 'split';
  const targets = element(
    'div',
    { className: 'target-list', dataset: { fieldPath: routeFieldPath(name, 'targets') } },
    [
      ...route.targets.map((target, index) =>
        element('div', { className: 'target-row' }, [
          element('span', { className: 'target-number' }, [String(index + 1)]),
          field(
            routeFieldPath(name, 'targets', index),
            'Target',
            textInput({ value: target, placeholder: 'provider/model or alias', label: `Route ${name} target ${index + 1}`, readOnly, onInput: (value) => context.edit((draft) => setRouteTarget(draft, name, index, value), false) }),
            'target-field',
          ),
          context.pickModel === undefined
            ? null
            : iconButton(
                'list-selection',
                'Choose a model',
                () =>
                  void context.pickModel!(target).then((model) => {
                    if (model !== undefined) context.edit((draft) => setRouteTarget(draft, name, index, model), true);
                  }),
                readOnly,
              ),
          isSplit
            ? field(
                routeFieldPath(name, 'weights', index),
                'Weight',
                textInput({
                  value: route.weights[index] ?? '1',
                  label: `Route ${name} weight ${index + 1}`,
                  readOnly,
                  className: 'weight-input',
                  onInput: (value) => context.edit((draft) => setRouteWeight(draft, name, index, value), false),
                }),
                'weight-field',
              )
            : null,
          element('div', { className: 'card-actions' }, [
            iconButton('arrow-up', 'Move up', () => context.edit((draft) => moveRouteTarget(draft, name, index, -1), true), readOnly || index === 0),
            iconButton('arrow-down', 'Move down', () => context.edit((draft) => moveRouteTarget(draft, name, index, 1), true), readOnly || index === route.targets.length - 1),
            iconButton('close', 'Remove target', () => context.edit((draft) => removeRouteTarget(draft, name, index), true), readOnly),
          ]),
        ]),
      ),
      element('div', { className: 'field-problems' }),
    ],
  );
  const strategy = selectInput({
    value: route.strategy,
    label: `Route ${name} strategy`,
    readOnly,
    choices: routeStrategies.map((value) => ({ value, label: value, description: strategyDescriptions[value] })),
    onChange: (value) => context.edit((draft) => setRouteStrategy(draft, name, value), true),
  });
  return element('div', { className: 'route-card', dataset: { routeName: name, fieldPath: routeFieldPath(name) } }, [
    element('div', { className: 'card-head' }, [
      field(
        `${routeFieldPath(name)}.name`,
        'Name',
        textInput({ value: name, label: `Route ${name} name`, readOnly, onChange: (value) => context.edit((draft) => renameRoute(draft, name, value), true) }),
        'name-field',
      ),
      field(routeFieldPath(name, 'strategy'), 'Strategy', strategy, 'strategy-field'),
      route.strategy === 'race'
        ? field(
            routeFieldPath(name, 'hedgeMs'),
            'Hedge after (ms)',
            textInput({ value: route.hedgeMs, placeholder: 'default', label: `Route ${name} hedge delay`, readOnly, onInput: (value) => context.edit((draft) => setRouteHedge(draft, name, value), false) }),
            'hedge-field',
          )
        : null,
      field(
        `${routeFieldPath(name)}.cache`,
        'Response cache',
        selectInput({
          value: route.cache,
          label: `Route ${name} response cache`,
          readOnly,
          choices: [
            { value: 'inherit', label: 'as configured', description: 'Follow the top-level cache setting' },
            { value: 'on', label: 'on', description: 'Answer repeated requests from the cache' },
            { value: 'off', label: 'off', description: 'Always call the provider' },
          ],
          onChange: (value) => context.edit((draft) => setRouteCache(draft, name, value as RouteCacheChoice), true),
        }),
        'cache-field',
      ),
      element('div', { className: 'card-actions' }, [iconButton('trash', 'Delete route', () => context.edit((draft) => removeRoute(draft, name), true), readOnly)]),
    ]),
    element('div', { className: 'card-subhead' }, [`Targets${isSplit ? ' and weights' : route.strategy === 'fallback' || route.strategy === 'race' ? ', in order' : ''}`]),
    targets,
    element('div', { className: 'list-actions' }, [
      element('vscode-button', { secondary: true, disabled: readOnly, on: { click: () => context.edit((draft) => addRouteTarget(draft, name), true) } }, ['Add target']),
    ]),
    element('div', { className: 'field-problems' }),
  ]);
}

function aliasesView(context: RulesFormContext): HTMLElement | null {
  const aliases = isObject(context.draft.aliases) ? Object.entries(context.draft.aliases) : [];
  if (aliases.length === 0) return null;
  return element('section', { className: 'form-section', dataset: { fieldPath: 'aliases' } }, [
    element('vscode-divider'),
    element('header', {}, [element('h2', {}, ['Aliases']), element('span', { className: 'section-hint' }, ['Model names that stand for one target; edit them in JSON mode.'])]),
    element('div', { className: 'field-problems' }),
    element(
      'dl',
      { className: 'facts aliases' },
      aliases.flatMap(([alias, target]) => [element('dt', {}, [element('code', {}, [alias])]), element('dd', {}, [element('code', {}, [String(target)])])]),
    ),
  ]);
}

function ordinal(position: number): string {
  const suffix = position % 10 === 1 && position % 100 !== 11 ? 'st' : position % 10 === 2 && position % 100 !== 12 ? 'nd' : position % 10 === 3 && position % 100 !== 13 ? 'rd' : 'th';
  return `${position}${suffix}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
