/**
 * The Rules tab: the routing rules editor over the config file. Form mode and JSON mode edit
 * one draft (the config JSON); the proxy validates it as the user types (through the host)
 * and its problems appear next to the field they name, or above the JSON text. Save writes the
 * file and the proxy puts it in force at once.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ConfigProblem, ConfigSnapshot } from '../protocol';
import type { RulesDraftState, RulesMode } from '../panel-state';
import { formatConfigText, parseJsonText, type JsonParseResult, type TextPosition } from '../json-text';
import { pathWithin, placeProblems, problemLocation } from '../problem-paths';
import type { ConfigDraft } from '../rules-model';
import { codicon, debounce, element, replaceChildren } from './dom';
import { problemView, showFieldProblems } from './fields';
import { rulesFormSections } from './rules-form';

export interface RulesViewOptions {
  mode: RulesMode;
  draft?: RulesDraftState;
  /** Persist the mode and unsaved draft (undefined when there is nothing unsaved). */
  onStateChange(mode: RulesMode, draft: RulesDraftState | undefined): void;
  /** Ask the proxy to check the config; returns the request id the answer will carry. */
  validate(config: ConfigDraft): number;
  /**
   * Ask the proxy to check, write and apply the config, only if the config is still revision
   * `ifRevision` (when given); returns the request id.
   */
  save(config: ConfigDraft, ifRevision: string | undefined): number;
  /** Opens the config file in VS Code's own JSON editor (the companion of this editor). */
  openConfigFile?(): void;
  /** VS Code's model picker for a route target. */
  pickModel?(current: string): Promise<string | undefined>;
}

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
  /**
   * Rules and routes just added with the form and not yet filled in (`rules[4]`,
   * `routes.route-2`): their problems wait until the user types there, so "Add rule" does not
   * greet them with an error. Save stays disabled, and says why.
   */
  private pristine = new Set<string>();
  private savedFile: string | undefined;
  private fileChanged = false;
  /** The revision of the config the draft started from: a save names it, so a newer one is not overwritten unseen. */
  private baseRevision: string | undefined;
  /** The last save was refused: someone saved the config since the draft started (until loaded or overwritten). */
  private conflict = false;
  /** The revision in force when the save was refused: "Overwrite" names it, so a third save is still caught. */
  private conflictRevision: string | undefined;
  private modeError: string | undefined;
  private pendingRestore: RulesDraftState | undefined;

  private readonly formModeButton = element('vscode-button', { id: 'rules-mode-form', on: { click: () => this.switchMode('form') } }, ['Form']);
  private readonly jsonModeButton = element('vscode-button', { id: 'rules-mode-json', on: { click: () => this.switchMode('json') } }, ['JSON']);
  private readonly statusText = element('span', { className: 'toolbar-text rules-status', attrs: { 'aria-live': 'polite' } });
  /** Form or JSON; hidden when there is no config here to show either way (a team proxy's). */
  private readonly modeToggle = element('div', { id: 'rules-mode', className: 'segmented', attrs: { role: 'group', 'aria-label': 'Editor mode' } }, [this.formModeButton, this.jsonModeButton]);
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
        this.modeToggle,
        this.statusText,
        element('span', { className: 'spacer' }),
        this.options.openConfigFile === undefined
          ? null
          : element(
              'vscode-button',
              { id: 'rules-open-file', secondary: true, title: "Open the file in VS Code's JSON editor: completion, hover and problems from the schema", on: { click: () => this.options.openConfigFile?.() } },
              ['Open in Editor'],
            ),
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
      this.baseRevision = this.pendingRestore.baseRevision;
      this.loadText(this.pendingRestore.text);
      this.fileChanged = this.pendingRestore.baseText !== fileText;
      if (!this.fileChanged) this.baseRevision = snapshot.revision;
      this.pendingRestore = undefined;
      this.validateSoon.schedule();
    } else if (!this.dirty || this.text === fileText) {
      this.baseText = fileText;
      this.baseRevision = snapshot.revision;
      this.loadText(fileText);
      this.problems = snapshot.problems;
      this.fileChanged = false;
      this.conflict = false;
    } else {
      this.fileChanged = fileText !== this.baseText;
      // Saved elsewhere with the same text: the draft still starts from what is in force.
      if (!this.fileChanged) this.baseRevision = snapshot.revision;
    }
    this.renderAll();
  }

  /**
   * The proxy's answer to a validation or a save. `conflict`: the save was refused because the
   * config changed since the draft's revision; `revision`: the config's revision now.
   */
  onResult(requestId: number, saved: boolean, problems: ConfigProblem[], answer: { conflict?: boolean; revision?: string } = {}): void {
    if (requestId === this.saveId) {
      this.saveId = -1;
      if (answer.conflict === true) {
        // Nothing was written; the draft stays as it is until the user picks a side.
        this.conflict = true;
        this.conflictRevision = answer.revision;
        this.savedFile = undefined;
        this.renderAll();
        return;
      }
      this.problems = problems;
      if (saved) {
        this.baseText = formatConfigText(this.draft);
        this.baseRevision = answer.revision;
        this.loadText(this.baseText);
        this.savedFile = this.snapshot?.file ?? 'the config file';
        this.fileChanged = false;
        this.conflict = false;
        this.conflictRevision = undefined;
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
    const before = this.draft;
    this.draft = change(this.draft);
    this.trackPristine(before, this.draft, rerender);
    this.text = formatConfigText(this.draft);
    this.textarea.value = this.text;
    this.parsed = parseJsonText(this.text);
    // Problems name rules by position; after a rule moved or went they would point at the
    // wrong one, so they wait for the next check.
    if (rerender) this.problems = [];
    this.afterEdit();
    if (rerender) this.renderForm();
  }

  /** Marks what an edit added as pristine, and what it changed as touched. */
  private trackPristine(before: ConfigDraft, after: ConfigDraft, structural: boolean): void {
    const rulesBefore = Array.isArray(before.rules) ? before.rules : [];
    const rulesAfter = Array.isArray(after.rules) ? after.rules : [];
    const routesBefore = isObject(before.routes) ? before.routes : {};
    const routesAfter = isObject(after.routes) ? after.routes : {};
    const added: string[] = [];
    if (rulesAfter.length === rulesBefore.length + 1 && JSON.stringify(rulesAfter.slice(0, -1)) === JSON.stringify(rulesBefore)) added.push(`rules[${rulesAfter.length - 1}]`);
    for (const name of Object.keys(routesAfter)) if (!Object.hasOwn(routesBefore, name) && Object.keys(routesAfter).length === Object.keys(routesBefore).length + 1) added.push(`routes.${name}`);
    if (structural && added.length === 0) {
      // Moved, deleted or renamed: positions shift, so nothing stays pristine.
      this.pristine.clear();
      return;
    }
    for (const prefix of [...this.pristine]) {
      const rule = /^rules\[(\d+)\]$/.exec(prefix);
      const changed = rule
        ? JSON.stringify(rulesBefore[Number(rule[1])]) !== JSON.stringify(rulesAfter[Number(rule[1])])
        : JSON.stringify(routesBefore[prefix.slice('routes.'.length)]) !== JSON.stringify(routesAfter[prefix.slice('routes.'.length)]);
      if (changed) this.pristine.delete(prefix);
    }
    for (const prefix of added) this.pristine.add(prefix);
  }

  /** Problems the form shows now: all but those inside a rule or route not filled in yet. */
  private shownProblems(): ConfigProblem[] {
    if (this.mode !== 'form' || this.pristine.size === 0) return this.problems;
    return this.problems.filter((problem) => ![...this.pristine].some((prefix) => pathWithin(problem.path, prefix)));
  }

  /** Why Save is disabled, in a few words, or undefined when it is not. */
  private saveBlocker(syntax: string | undefined, dirty: boolean): string | undefined {
    if (this.readOnly) return this.snapshot?.readOnlyReason === undefined ? 'The proxy runs without a config file' : 'The team proxy’s config is read-only here';
    if (this.saveId !== -1) return 'Saving…';
    if (syntax !== undefined) return 'Fix the JSON syntax error first';
    if (!dirty) return 'Nothing to save';
    if (this.checking) return 'Checking the draft…';
    const hidden = this.problems.length - this.shownProblems().length;
    if (this.problems.length > 0 && hidden === this.problems.length) return 'Fill in the new entry first';
    if (this.problems.length > 0) return `Fix the ${this.problems.length === 1 ? 'problem' : `${this.problems.length} problems`} first`;
    return undefined;
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

  /** Save: only over the revision the draft started from. */
  private saveDraft(): void {
    this.send(this.baseRevision);
  }

  /** "Overwrite it with yours": over the revision in force now, which the user has been told of. */
  private overwrite(): void {
    this.send(this.conflictRevision ?? this.snapshot?.revision);
  }

  private send(ifRevision: string | undefined): void {
    if (this.saveBlocker(this.syntaxProblem(), this.dirty) !== undefined) return;
    this.validateSoon.cancel();
    this.checking = false;
    this.saveId = this.options.save(this.draft, ifRevision);
    this.renderToolbar();
  }

  private revert(): void {
    if (!this.snapshot) return;
    this.validateSoon.cancel();
    this.checking = false;
    this.baseText = formatConfigText(this.snapshot.config);
    this.baseRevision = this.snapshot.revision;
    this.loadText(this.baseText);
    this.problems = this.snapshot.problems;
    this.fileChanged = false;
    this.conflict = false;
    this.conflictRevision = undefined;
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
    this.options.onStateChange(this.mode, this.dirty ? { text: this.text, baseText: this.baseText, ...(this.baseRevision === undefined ? {} : { baseRevision: this.baseRevision }) } : undefined);
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
    this.jsonContainer.hidden = true;
    this.renderToolbar();
  }

  private renderAll(): void {
    // Until the config arrives the form area says so and the JSON text stays hidden, so nobody
    // (a user, a UI test) reads or edits an empty text as if it were the config.
    const loaded = this.snapshot !== undefined;
    // A team proxy's config is not this window's to read: its banner says so, and no empty
    // form or local file stands in for it.
    const elsewhere = this.snapshot?.readOnlyReason !== undefined;
    this.formContainer.hidden = elsewhere || (loaded && this.mode !== 'form');
    this.jsonContainer.hidden = elsewhere || !loaded || this.mode !== 'json';
    const openFile = this.root.querySelector<HTMLElement>('#rules-open-file');
    if (openFile !== null) openFile.hidden = elsewhere;
    // No toggle over nothing: the banner says where the rules are and who changes them.
    this.modeToggle.hidden = elsewhere;
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
    const blocker = this.saveBlocker(syntax, dirty);
    this.saveButton.disabled = blocker !== undefined;
    this.saveButton.title = blocker ?? 'Write the file; the proxy uses it at once';
    this.revertButton.disabled = !dirty || this.readOnly;
    this.revertButton.hidden = this.readOnly;
    this.saveButton.hidden = this.readOnly;
    let status: Array<Node | string>;
    if (!this.snapshot) status = [];
    else if (this.readOnly) status = [codicon('lock'), ' Read-only'];
    else if (this.saveId !== -1) status = [codicon('loading'), ' Saving…'];
    else if (this.conflict) status = [codicon('warning'), ' Not saved — changed elsewhere'];
    else if (syntax !== undefined) status = [codicon('error'), ' JSON syntax error'];
    else if (this.checking) status = [codicon('sync'), ' Checking…'];
    else if (this.shownProblems().length > 0) status = [codicon('error'), ` ${this.problems.length} ${this.problems.length === 1 ? 'problem' : 'problems'} — fix ${this.problems.length === 1 ? 'it' : 'them'} to save`];
    else if (this.problems.length > 0) status = [codicon('edit'), ' Fill in the new entry to save'];
    else if (dirty) status = [codicon('circle-filled'), ' Unsaved changes'];
    else status = [codicon('check'), ' Saved'];
    replaceChildren(this.statusText, status);
    this.statusText.classList.toggle('has-problems', syntax !== undefined || this.shownProblems().length > 0);
  }

  private renderBanners(): void {
    const banners: HTMLElement[] = [];
    if (this.snapshot?.readOnlyReason !== undefined) {
      banners.push(banner('info', 'lock', [this.snapshot.readOnlyReason]));
    } else if (this.readOnly) {
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
    if (this.conflict || this.fileChanged) {
      const choice = [
        element('a', { id: 'rules-load-theirs', href: '#', on: { click: (event) => (event.preventDefault(), this.revert()) } }, ['Load that version']),
        ' (discards your edits) or ',
        element('a', { id: 'rules-overwrite', href: '#', on: { click: (event) => (event.preventDefault(), this.overwrite()) } }, ['overwrite it with yours']),
        '.',
      ];
      const changed = this.conflict
        ? banner('warning', 'warning', [
            element('strong', {}, ['Nothing was saved: ']),
            'the config was saved elsewhere since you started editing (another editor, ',
            element('code', {}, ['switchyard config push']),
            ', or a change to the file). ',
            ...choice,
          ])
        : banner('warning', 'warning', ['The config changed since you started editing. ', ...choice]);
      changed.id = 'rules-conflict';
      banners.push(changed);
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
        // One span, so the flex gap does not open a space before the colon.
        element('span', {}, [
          element('a', { href: '#', on: { click: (event) => (event.preventDefault(), this.revealOffset(problem)) } }, [`Line ${problem.line}, column ${problem.column}`]),
          `: ${problem.message}`,
        ]),
      ]);
    } else if (notObject) {
      replaceChildren(this.syntaxError, [codicon('error'), element('span', {}, ['The config must be a JSON object ({ … }).'])]);
    }
    this.renderProblems();
  }

  /** Problems go next to their fields in form mode, and above the text in JSON mode. */
  private renderProblems(): void {
    if (this.mode === 'form') {
      const fields = [...this.formContainer.querySelectorAll<HTMLElement>('[data-field-path]')].map((node) => node.dataset.fieldPath ?? '');
      const placed = placeProblems(this.shownProblems(), fields);
      showFieldProblems(this.formContainer, placed.byField);
      replaceChildren(
        this.generalProblems,
        placed.unplaced.map((problem) => problemView(problem, problem.path ? problemLocation(problem) : undefined)),
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
        return problemView(problem, problemLocation(problem, position?.line), position ? () => this.revealOffset(position) : undefined);
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

  private renderForm(): void {
    if (!this.snapshot) return;
    replaceChildren(
      this.formContainer,
      rulesFormSections({ draft: this.draft, readOnly: this.readOnly, edit: (change, rerender) => this.edit(change, rerender), pickModel: this.options.pickModel }),
    );
    this.renderProblems();
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
