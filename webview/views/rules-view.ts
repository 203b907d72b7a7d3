/**
 * The Rules tab: the routing rules editor over the config file. Form mode and JSON mode edit
 * one draft (the config JSON); the proxy validates it as the user types (through the host)
 * and its problems appear next to the field they name, or above the JSON text. Save writes the
 * file and the proxy puts it in force at once.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import type { ConfigProblem, ConfigSnapshot } from '../protocol';
import type { RulesDraftState, RulesMode } from '../panel-state';
import { formatConfigText, parseJsonText, type JsonParseResult, type TextPosition } from '../json-text';
import { pathWithin, placeProblems } from '../problem-paths';
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
  setRouteStrategy,
  setRouteTarget,
  setRouteWeight,
  setRuleField,
  type ConfigDraft,
  type RouteForm,
  type RuleField,
  type RuleForm,
} from '../rules-model';
import { codicon, debounce, element, replaceChildren } from './dom';
import { field, iconButton, problemView, selectInput, showFieldProblems, textInput, type SelectOption } from './fields';

export interface RulesViewOptions {
  mode: RulesMode;
  draft?: RulesDraftState;
  /** Persist the mode and unsaved draft (undefined when there is nothing unsaved). */
  onStateChange(mode: RulesMode, draft: RulesDraftState | undefined): void;
  /** Ask the proxy to check the config; returns the request id the answer will carry. */
  validate(config: ConfigDraft): number;
  /** Ask the proxy to check, write and apply the config; returns the request id. */
  save(config: ConfigDraft): number;
}

const customRoute = '\u0000custom';

const matchLabels: Readonly<Record<(typeof matchFields)[number], { label: string; placeholder: string }>> = {
  model: { label: 'Model', placeholder: 'any (glob, e.g. claude-*)' },
  endpoint: { label: 'Endpoint', placeholder: 'any (e.g. /v1/messages)' },
  clientKey: { label: 'Client key', placeholder: 'any (…abcd)' },
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

export class RulesView {
  readonly root = element('div', { className: 'rules-view' });
  private snapshot: ConfigSnapshot | undefined;
  private mode: RulesMode;
  private baseText = '';
  private text = '';
  private parsed: JsonParseResult | undefined;
  private draft: ConfigDraft = {};
  private problems: ConfigProblem[] = [];
  private validationId = -1;
  private saveId = -1;
  private checking = false;
  private savedFile: string | undefined;
  private fileChanged = false;
  private modeError: string | undefined;
  private pendingRestore: RulesDraftState | undefined;

  private readonly formModeButton = element('vscode-button', { id: 'rules-mode-form', on: { click: () => this.switchMode('form') } }, ['Form']);
  private readonly jsonModeButton = element('vscode-button', { id: 'rules-mode-json', on: { click: () => this.switchMode('json') } }, ['JSON']);
  private readonly statusText = element('span', { className: 'toolbar-text rules-status', attrs: { 'aria-live': 'polite' } });
  private readonly revertButton = element('vscode-button', { id: 'rules-revert', secondary: true, on: { click: () => this.revert() } }, ['Revert']);
  private readonly saveButton = element('vscode-button', { id: 'rules-save', on: { click: () => this.saveDraft() } }, ['Save']);
  private readonly banners = element('div', { className: 'banners' });
  private readonly generalProblems = element('div', { className: 'general-problems' });
  private readonly formContainer = element('div', { className: 'rules-form' });
  private readonly jsonContainer = element('div', { className: 'rules-json' });
  private readonly textarea = element('textarea', {
    id: 'rules-json',
    spellcheck: false,
    wrap: 'off',
    attrs: { 'aria-label': 'Config JSON', autocomplete: 'off', autocapitalize: 'off' },
  });
  private readonly syntaxError = element('div', { className: 'syntax-error', attrs: { role: 'alert' } });
  private readonly validateSoon = debounce(() => this.sendValidation(), 400);

  constructor(private readonly options: RulesViewOptions) {
    this.mode = options.mode;
    this.pendingRestore = options.draft;
    this.textarea.addEventListener('input', () => this.onTextInput());
    this.textarea.addEventListener('keydown', (event) => this.onTextKey(event));
    this.jsonContainer.append(this.syntaxError, this.textarea);
    this.root.append(
      element('div', { className: 'toolbar rules-toolbar' }, [
        element('div', { className: 'segmented', attrs: { role: 'group', 'aria-label': 'Editor mode' } }, [this.formModeButton, this.jsonModeButton]),
        this.statusText,
        element('span', { className: 'spacer' }),
        this.revertButton,
        this.saveButton,
      ]),
      this.banners,
      this.generalProblems,
      this.formContainer,
      this.jsonContainer,
    );
    this.renderEmpty();
  }

  /** The config from the host: on open, after a save, or when the file changed on disk. */
  setSnapshot(snapshot: ConfigSnapshot): void {
    const firstSnapshot = this.snapshot === undefined;
    this.snapshot = snapshot;
    const fileText = formatConfigText(snapshot.config);
    if (firstSnapshot && this.pendingRestore) {
      // Unsaved edits from before the panel was hidden or reloaded win over the file.
      this.baseText = this.pendingRestore.baseText;
      this.loadText(this.pendingRestore.text);
      this.fileChanged = this.pendingRestore.baseText !== fileText;
      this.pendingRestore = undefined;
      this.validateSoon.schedule();
    } else if (!this.dirty || this.text === fileText) {
      this.baseText = fileText;
      this.loadText(fileText);
      this.problems = snapshot.problems;
      this.fileChanged = false;
    } else {
      this.fileChanged = fileText !== this.baseText;
    }
    this.renderAll();
  }

  /** The proxy's answer to a validation or a save. */
  onResult(requestId: number, saved: boolean, problems: ConfigProblem[]): void {
    if (requestId === this.saveId) {
      this.saveId = -1;
      this.problems = problems;
      if (saved) {
        this.baseText = formatConfigText(this.draft);
        this.loadText(this.baseText);
        this.savedFile = this.snapshot?.file ?? 'the config file';
        this.fileChanged = false;
        this.persist();
      }
      this.renderAll();
      return;
    }
    if (requestId !== this.validationId) return; // an answer to an older draft
    this.checking = false;
    this.problems = problems;
    this.renderProblems();
    this.renderToolbar();
  }

  private get readOnly(): boolean {
    return this.snapshot !== undefined && this.snapshot.file === undefined;
  }

  private get dirty(): boolean {
    if (this.parsed?.ok) return formatConfigText(this.draft) !== this.baseText;
    return this.text !== this.baseText;
  }

  private loadText(text: string): void {
    this.text = text;
    this.textarea.value = text;
    this.reparse();
  }

  private reparse(): void {
    this.parsed = parseJsonText(this.text);
    if (this.parsed.ok && isObject(this.parsed.value)) this.draft = this.parsed.value;
  }

  /** A form edit: the draft changes, the text follows. */
  private edit(change: (draft: ConfigDraft) => ConfigDraft, rerender: boolean): void {
    this.draft = change(this.draft);
    this.text = formatConfigText(this.draft);
    this.textarea.value = this.text;
    this.parsed = parseJsonText(this.text);
    this.afterEdit();
    if (rerender) this.renderForm();
  }

  private onTextInput(): void {
    this.text = this.textarea.value;
    this.reparse();
    this.afterEdit();
    this.renderSyntax();
  }

  private afterEdit(): void {
    this.savedFile = undefined;
    this.modeError = undefined;
    this.persist();
    if (this.syntaxProblem() === undefined) {
      this.checking = true;
      this.validateSoon.schedule();
    } else {
      this.validateSoon.cancel();
      this.checking = false;
    }
    this.renderBanners();
    this.renderToolbar();
  }

  private sendValidation(): void {
    if (this.syntaxProblem() !== undefined) return;
    this.validationId = this.options.validate(this.draft);
  }

  private saveDraft(): void {
    if (this.readOnly || this.syntaxProblem() !== undefined || this.saveId !== -1) return;
    this.validateSoon.cancel();
    this.saveId = this.options.save(this.draft);
    this.renderToolbar();
  }

  private revert(): void {
    if (!this.snapshot) return;
    this.validateSoon.cancel();
    this.baseText = formatConfigText(this.snapshot.config);
    this.loadText(this.baseText);
    this.problems = this.snapshot.problems;
    this.fileChanged = false;
    this.savedFile = undefined;
    this.persist();
    this.renderAll();
  }

  private switchMode(mode: RulesMode): void {
    if (mode === this.mode) return;
    if (mode === 'form') {
      const problem = this.syntaxProblem();
      if (problem !== undefined) {
        this.modeError = 'Fix the JSON syntax error to switch to the form; your text is kept.';
        this.renderBanners();
        return;
      }
    }
    this.mode = mode;
    this.modeError = undefined;
    this.persist();
    this.renderAll();
  }

  private persist(): void {
    this.options.onStateChange(this.mode, this.dirty ? { text: this.text, baseText: this.baseText } : undefined);
  }

  /** The reason the text cannot be a config (syntax error or not an object), if any. */
  private syntaxProblem(): string | undefined {
    if (!this.parsed) return undefined;
    if (!this.parsed.ok) return `Line ${this.parsed.error.line}, column ${this.parsed.error.column}: ${this.parsed.error.message}`;
    if (!isObject(this.parsed.value)) return 'The config must be a JSON object ({ … }).';
    return undefined;
  }

  private renderEmpty(): void {
    this.formContainer.replaceChildren(element('p', { className: 'muted' }, ['Loading the config…']));
    this.renderToolbar();
  }

  private renderAll(): void {
    this.formContainer.hidden = this.mode !== 'form';
    this.jsonContainer.hidden = this.mode !== 'json';
    this.textarea.readOnly = this.readOnly;
    if (this.mode === 'form') this.renderForm();
    this.renderSyntax();
    this.renderBanners();
    this.renderToolbar();
  }

  private renderToolbar(): void {
    this.formModeButton.secondary = this.mode !== 'form';
    this.jsonModeButton.secondary = this.mode !== 'json';
    this.formModeButton.setAttribute('aria-pressed', String(this.mode === 'form'));
    this.jsonModeButton.setAttribute('aria-pressed', String(this.mode === 'json'));
    const syntax = this.syntaxProblem();
    const dirty = this.dirty;
    this.saveButton.disabled = this.readOnly || !dirty || syntax !== undefined || this.saveId !== -1;
    this.revertButton.disabled = !dirty || this.readOnly;
    this.revertButton.hidden = this.readOnly;
    this.saveButton.hidden = this.readOnly;
    let status: Array<Node | string>;
    if (!this.snapshot) status = [];
    else if (this.readOnly) status = [codicon('lock'), ' Read-only'];
    else if (this.saveId !== -1) status = [codicon('loading'), ' Saving…'];
    else if (syntax !== undefined) status = [codicon('error'), ' JSON syntax error'];
    else if (this.checking) status = [codicon('sync'), ' Checking…'];
    else if (this.problems.length > 0) status = [codicon('error'), ` ${this.problems.length} ${this.problems.length === 1 ? 'problem' : 'problems'}`];
    else if (dirty) status = [codicon('circle-filled'), ' Unsaved changes'];
    else status = [codicon('check'), ' Saved'];
    replaceChildren(this.statusText, status);
    this.statusText.classList.toggle('has-problems', syntax !== undefined || this.problems.length > 0);
  }

  private renderBanners(): void {
    const banners: HTMLElement[] = [];
    if (this.readOnly) {
      banners.push(
        banner('info', 'lock', [
          'The proxy runs without a config file, so rules cannot be saved from here. ',
          'Start it from VS Code (setting “switchyard.configPath”) or with ',
          element('code', {}, ['switchyard serve --config FILE']),
          ' to edit them.',
        ]),
      );
    } else if (this.snapshot?.file) {
      banners.push(element('div', { className: 'file-path' }, [codicon('file'), ' ', element('span', { title: this.snapshot.file }, [this.snapshot.file])]));
    }
    if (this.snapshot && this.snapshot.problems.length > 0 && !this.dirty) {
      banners.push(banner('warning', 'warning', ['The file on disk has problems, so the proxy keeps using the last good config. Fix them here and save.']));
    }
    if (this.fileChanged) {
      banners.push(
        banner('warning', 'warning', [
          'The config file changed since you started editing. ',
          element('a', { href: '#', on: { click: (event) => (event.preventDefault(), this.revert()) } }, ['Load the file’s version']),
          ' (discards your edits), or save to overwrite it.',
        ]),
      );
    }
    if (this.modeError) banners.push(banner('error', 'error', [this.modeError]));
    if (this.savedFile) {
      const saved = banner('success', 'pass', [`Saved to ${this.savedFile}. The proxy is using it now.`]);
      saved.id = 'rules-saved';
      banners.push(saved);
    }
    replaceChildren(this.banners, banners);
  }

  private renderSyntax(): void {
    const problem = this.parsed && !this.parsed.ok ? this.parsed.error : undefined;
    const notObject = this.parsed?.ok && !isObject(this.parsed.value);
    this.syntaxError.hidden = !problem && !notObject;
    if (problem) {
      replaceChildren(this.syntaxError, [
        codicon('error'),
        element('a', { href: '#', on: { click: (event) => (event.preventDefault(), this.revealOffset(problem)) } }, [`Line ${problem.line}, column ${problem.column}`]),
        `: ${problem.message}`,
      ]);
    } else if (notObject) {
      replaceChildren(this.syntaxError, [codicon('error'), ' The config must be a JSON object ({ … }).']);
    }
    this.renderProblems();
  }

  /** Problems go next to their fields in form mode, and above the text in JSON mode. */
  private renderProblems(): void {
    if (this.mode === 'form') {
      const fields = [...this.formContainer.querySelectorAll<HTMLElement>('[data-field-path]')].map((node) => node.dataset.fieldPath ?? '');
      const placed = placeProblems(this.problems, fields);
      showFieldProblems(this.formContainer, placed.byField);
      replaceChildren(
        this.generalProblems,
        placed.unplaced.map((problem) => problemView(problem, problem.path ? `${problem.path}: ` : undefined)),
      );
      return;
    }
    // While the text does not parse, the last answer describes an older draft: leave it out.
    if (this.syntaxProblem() !== undefined) {
      this.generalProblems.replaceChildren();
      return;
    }
    const positions = this.parsed?.ok ? this.parsed.positions : undefined;
    replaceChildren(
      this.generalProblems,
      this.problems.map((problem) => {
        const position = positions ? nearestPosition(positions, problem.path) : undefined;
        const where = `${problem.path || 'config'}${position ? ` (line ${position.line})` : ''}: `;
        return problemView(problem, where, position ? () => this.revealOffset(position) : undefined);
      }),
    );
  }

  private revealOffset(position: TextPosition): void {
    this.textarea.focus();
    this.textarea.setSelectionRange(position.offset, position.offset);
    // Scroll the line into view: textareas do not scroll to a selection set by script.
    const lineHeight = Number.parseFloat(getComputedStyle(this.textarea).lineHeight) || 18;
    this.textarea.scrollTop = Math.max(0, (position.line - 3) * lineHeight);
  }

  private onTextKey(event: KeyboardEvent): void {
    // Tab indents, as in an editor, instead of leaving the text area.
    if (event.key !== 'Tab' || event.shiftKey || event.ctrlKey || event.metaKey || this.readOnly) return;
    event.preventDefault();
    this.textarea.setRangeText('  ', this.textarea.selectionStart, this.textarea.selectionEnd, 'end');
    this.onTextInput();
  }

  // ----- form mode -------------------------------------------------------------------------

  private renderForm(): void {
    if (!this.snapshot) return;
    const readOnly = this.readOnly;
    const rules = rulesOf(this.draft);
    const choices = routeChoices(this.draft);
    const rulesList = element(
      'div',
      { className: 'rule-list' },
      rules.length === 0 ? [element('p', { className: 'muted empty-list' }, ['No rules: requests go to the route or model they name.'])] : rules.map((rule, index) => this.ruleView(ruleForm(rule), index, rules.length, choices, readOnly)),
    );
    const routes = routesOf(this.draft);
    const routeList = element(
      'div',
      { className: 'route-list' },
      routes.length === 0 ? [element('p', { className: 'muted empty-list' }, ['No routes yet.'])] : routes.map((route) => this.routeView(route, readOnly)),
    );
    const addRuleButton = element('vscode-button', { id: 'rules-add', secondary: true, disabled: readOnly, on: { click: () => this.edit((draft) => addRule(draft), true) } }, ['Add rule']);
    const addRouteButton = element(
      'vscode-button',
      {
        id: 'routes-add',
        secondary: true,
        disabled: readOnly,
        on: {
          click: () => this.edit((draft) => addRoute(draft).config, true),
        },
      },
      ['Add route'],
    );
    replaceChildren(this.formContainer, [
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
      this.aliasesView(),
    ]);
    this.renderProblems();
  }

  private ruleView(form: RuleForm, index: number, count: number, choices: ReturnType<typeof routeChoices>, readOnly: boolean): HTMLElement {
    const set = (name: RuleField) => (value: string) => this.edit((draft) => setRuleField(draft, index, name, value), false);
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
        this.routeSelector(form.route, index, choices, readOnly),
        element('div', { className: 'card-actions' }, [
          iconButton('arrow-up', 'Move up', () => this.edit((draft) => moveRule(draft, index, -1), true), readOnly || index === 0),
          iconButton('arrow-down', 'Move down', () => this.edit((draft) => moveRule(draft, index, 1), true), readOnly || index === count - 1),
          iconButton('trash', 'Delete rule', () => this.edit((draft) => removeRule(draft, index), true), readOnly),
        ]),
      ]),
      element('div', { className: 'card-subhead' }, ['Matches when all of these hold']),
      matchGrid,
      element('div', { className: 'field-problems' }),
    ]);
  }

  /** Routes and aliases from the config, or any `provider/model` typed in. */
  private routeSelector(route: string, index: number, choices: ReturnType<typeof routeChoices>, readOnly: boolean): HTMLElement {
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
      onInput: (value) => this.edit((draft) => setRuleField(draft, index, 'route', value), false),
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
          this.edit((draft) => setRuleField(draft, index, 'route', custom.value), false);
        } else {
          this.edit((draft) => setRuleField(draft, index, 'route', value), false);
        }
      },
    });
    return field(path, 'Route', element('div', { className: 'route-picker' }, [select, custom]), 'route-field');
  }

  private routeView(route: RouteForm, readOnly: boolean): HTMLElement {
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
              textInput({ value: target, placeholder: 'provider/model or alias', label: `Route ${name} target ${index + 1}`, readOnly, onInput: (value) => this.edit((draft) => setRouteTarget(draft, name, index, value), false) }),
              'target-field',
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
                    onInput: (value) => this.edit((draft) => setRouteWeight(draft, name, index, value), false),
                  }),
                  'weight-field',
                )
              : null,
            element('div', { className: 'card-actions' }, [
              iconButton('arrow-up', 'Move up', () => this.edit((draft) => moveRouteTarget(draft, name, index, -1), true), readOnly || index === 0),
              iconButton('arrow-down', 'Move down', () => this.edit((draft) => moveRouteTarget(draft, name, index, 1), true), readOnly || index === route.targets.length - 1),
              iconButton('close', 'Remove target', () => this.edit((draft) => removeRouteTarget(draft, name, index), true), readOnly),
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
      onChange: (value) => this.edit((draft) => setRouteStrategy(draft, name, value), true),
    });
    return element('div', { className: 'route-card', dataset: { routeName: name, fieldPath: routeFieldPath(name) } }, [
      element('div', { className: 'card-head' }, [
        field(
          `${routeFieldPath(name)}.name`,
          'Name',
          textInput({ value: name, label: `Route ${name} name`, readOnly, onChange: (value) => this.edit((draft) => renameRoute(draft, name, value), true) }),
          'name-field',
        ),
        field(routeFieldPath(name, 'strategy'), 'Strategy', strategy, 'strategy-field'),
        route.strategy === 'race'
          ? field(
              routeFieldPath(name, 'hedgeMs'),
              'Hedge after (ms)',
              textInput({ value: route.hedgeMs, placeholder: 'default', label: `Route ${name} hedge delay`, readOnly, onInput: (value) => this.edit((draft) => setRouteHedge(draft, name, value), false) }),
              'hedge-field',
            )
          : null,
        element('div', { className: 'card-actions' }, [iconButton('trash', 'Delete route', () => this.edit((draft) => removeRoute(draft, name), true), readOnly)]),
      ]),
      element('div', { className: 'card-subhead' }, [`Targets${isSplit ? ' and weights' : route.strategy === 'fallback' || route.strategy === 'race' ? ', in order' : ''}`]),
      targets,
      element('div', { className: 'list-actions' }, [
        element('vscode-button', { secondary: true, disabled: readOnly, on: { click: () => this.edit((draft) => addRouteTarget(draft, name), true) } }, ['Add target']),
      ]),
      element('div', { className: 'field-problems' }),
    ]);
  }

  private aliasesView(): HTMLElement | null {
    const aliases = isObject(this.draft.aliases) ? Object.entries(this.draft.aliases) : [];
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
}

function banner(kind: 'info' | 'warning' | 'error' | 'success', icon: string, content: Array<Node | string>): HTMLElement {
  return element('div', { className: `banner ${kind}`, attrs: { role: kind === 'error' ? 'alert' : 'status' } }, [codicon(icon), element('div', {}, content)]);
}

/** The position of the path, or of its nearest ancestor the text has (a missing field's object). */
function nearestPosition(positions: Map<string, TextPosition>, path: string): TextPosition | undefined {
  let best: string | undefined;
  for (const candidate of positions.keys()) {
    if (pathWithin(path, candidate) && (best === undefined || candidate.length > best.length)) best = candidate;
  }
  return best === undefined ? undefined : positions.get(best);
}

function ordinal(position: number): string {
  const suffix = position % 10 === 1 && position % 100 !== 11 ? 'st' : position % 10 === 2 && position % 100 !== 12 ? 'nd' : position % 10 === 3 && position % 100 !== 13 ? 'rd' : 'th';
  return `${position}${suffix}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
