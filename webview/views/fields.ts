/**
 * Labelled form fields for the rules editor, built from vscode-elements. Each field carries
 * `data-field-path` (its ConfigProblem path) and a slot where that path's problems appear.
 */
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { ConfigProblem } from '../protocol';
import { problemText, type ProblemLocation } from '../problem-paths';
import { codicon, element, replaceChildren } from './dom';

/** An option of a select: its value, label and an optional description shown beside it. */
export interface SelectOption {
  value: string;
  label: string;
  description?: string;
}

/** A field: label, control, and the place for its problems. */
export function field(path: string, label: string, control: HTMLElement, className = ''): HTMLElement {
  return element('div', { className: `field ${className}`.trim(), dataset: { fieldPath: path } }, [
    element('span', { className: 'field-label' }, [label]),
    control,
    element('div', { className: 'field-problems' }),
  ]);
}

/** A text field calling `onInput` with every keystroke (and `onChange` when committed). */
export function textInput(options: {
  value: string;
  placeholder?: string;
  label: string;
  readOnly: boolean;
  onInput?: (value: string) => void;
  onChange?: (value: string) => void;
  className?: string;
}): VscodeTextfield {
  return element('vscode-textfield', {
    value: options.value,
    placeholder: options.placeholder ?? '',
    disabled: options.readOnly,
    className: options.className ?? '',
    attrs: { 'aria-label': options.label },
    on: {
      input: (event) => options.onInput?.((event.target as VscodeTextfield).value),
      change: (event) => options.onChange?.((event.target as VscodeTextfield).value),
    },
  });
}

/** A drop-down; the option equal to `value` starts selected. */
export function selectInput(options: {
  value: string;
  choices: SelectOption[];
  label: string;
  readOnly: boolean;
  onChange: (value: string) => void;
  className?: string;
}): VscodeSingleSelect {
  return element(
    'vscode-single-select',
    {
      disabled: options.readOnly,
      className: options.className ?? '',
      attrs: { 'aria-label': options.label },
      on: { change: (event) => options.onChange((event.target as VscodeSingleSelect).value) },
    },
    options.choices.map((choice) =>
      element('vscode-option', { value: choice.value, selected: choice.value === options.value, description: choice.description ?? '' }, [choice.label]),
    ),
  );
}

/** An icon button with a tooltip, as in VS Code's view toolbars. */
export function iconButton(icon: string, label: string, onClick: () => void, disabled = false): HTMLElement {
  const button = element('vscode-toolbar-button', { icon, label, title: label, on: { click: () => !disabled && onClick() } });
  if (disabled) button.setAttribute('disabled', '');
  button.classList.toggle('disabled', disabled);
  return button;
}

/**
 * One problem, marked with its path for tests and for jumping to it; in a list (`location`) it
 * is led by its path in the editor's font and its line, e.g. `rules[2].model (line 21): Must be…`.
 */
export function problemView(problem: ConfigProblem, location?: ProblemLocation, onClick?: () => void): HTMLElement {
  const lead: Array<Node | string> = [];
  if (location?.path !== undefined) lead.push(element('code', { className: 'problem-where' }, [location.path]));
  if (location?.line !== undefined) lead.push(element('span', { className: 'problem-line' }, [location.path !== undefined ? ` (line ${location.line})` : `Line ${location.line}`]));
  if (lead.length > 0) lead.push(': ');
  return element(
    'div',
    {
      className: onClick ? 'problem clickable' : 'problem',
      dataset: { problemPath: problem.path },
      attrs: { role: 'alert' },
      on: onClick ? { click: onClick } : {},
    },
    [codicon('error'), element('span', {}, [...lead, problemText(problem)])],
  );
}

/** Fills the problem slot of every field inside `root` with the problems placed at its path. */
export function showFieldProblems(root: HTMLElement, placed: Map<string, ConfigProblem[]>): void {
  for (const fieldElement of root.querySelectorAll<HTMLElement>('[data-field-path]')) {
    const slot = fieldElement.querySelector(':scope > .field-problems');
    if (!slot) continue;
    const problems = placed.get(fieldElement.dataset.fieldPath ?? '') ?? [];
    replaceChildren(
      slot,
      problems.map((problem) => problemView(problem)),
    );
    fieldElement.classList.toggle('invalid', problems.length > 0);
    const control = fieldElement.querySelector(':scope > vscode-textfield, :scope > vscode-single-select');
    if (control) (control as VscodeTextfield).invalid = problems.length > 0;
  }
}
