import * as vscode from 'vscode';
import type { AccessKeyFields } from '../../proxy/control/protocol';
import type { SwitchyardCommand } from '../services';

/**
 * "Switchyard: Create Access Key": a named key for one tool, with the models it may call, a
 * budget, rate limits and its own redaction (each optional). The key is shown once, with a Copy button; only its
 * hash is kept. With a name argument it asks nothing more and resolves with the key.
 */
export const createAccessKeyCommand: SwitchyardCommand = {
  id: 'switchyard.createAccessKey',
  async run(services, nameArgument?: unknown, fieldsArgument?: unknown): Promise<string | undefined> {
    const client = await services.proxy.ready();
    const scripted = typeof nameArgument === 'string';
    const name = scripted
      ? nameArgument
      : await vscode.window.showInputBox({
          title: 'Switchyard: Create Access Key (1/3)',
          prompt: 'A name for the tool or person that will use the key, e.g. cline, ci-bot, aider',
          validateInput: (value) => (/^[A-Za-z0-9][A-Za-z0-9._@ -]{0,63}$/.test(value) ? undefined : 'Letters, digits, spaces or . _ @ -, starting with a letter or digit'),
        });
    if (name === undefined) return undefined;
    let fields: AccessKeyFields = typeof fieldsArgument === 'object' && fieldsArgument !== null ? (fieldsArgument as AccessKeyFields) : {};
    if (!scripted) {
      const asked = await askKeyFields({}, 'Switchyard: Create Access Key');
      if (asked === undefined) return undefined;
      fields = asked;
    }
    const created = await client.createKey({ name, ...fields });
    services.log(`created access key '${created.name}' (${created.keyId})`);
    if (!scripted) {
      const choice = await vscode.window.showInformationMessage(
        `Access key '${created.name}': ${created.key}\n\nIt is shown only now: give it to the tool as its API key, with Switchyard's address as the base URL.`,
        { modal: true },
        'Copy',
      );
      if (choice === 'Copy') await vscode.env.clipboard.writeText(created.key);
    }
    return created.key;
  },
};

/** The redaction choices for a key, in the order shown. */
const redactionChoices = [
  { mode: undefined, label: "Follow the config's redaction", detail: 'The global setting, or a matched rule\'s' },
  { mode: 'redact', label: 'Redact', detail: "Secrets and personal data in this key's calls are replaced by placeholders before they are sent" },
  { mode: 'block', label: 'Block', detail: "This key's calls that hold a secret or personal data are refused, naming what was found and where" },
  { mode: 'off', label: 'Off', detail: "This key's calls are sent as written, whatever the config says" },
] as const;
const detectorNames = ['secrets', 'email', 'phone', 'credit-card', 'iban', 'ip-address'];

/**
 * Asks for a key's models, budget, rate limits and redaction, each prefilled from `current`;
 * an empty answer means no limit. Undefined when the user cancels.
 */
export async function askKeyFields(
  current: { models?: string[]; budget?: { limitUsd: number; period: string }; rpm?: number; tpm?: number; redaction?: { mode?: string; detectors?: string[] } },
  title: string,
): Promise<AccessKeyFields | undefined> {
  const models = await vscode.window.showInputBox({
    title: `${title}: models`,
    prompt: 'Globs over provider/model the key may call, separated by commas (groq/*, anthropic/claude-haiku-*). Empty: every model.',
    value: current.models?.join(', ') ?? '',
    validateInput: (value) =>
      value
        .split(',')
        .map((model) => model.trim())
        .filter((model) => model !== '')
        .find((model) => !model.includes('/') && !/^\*+$/.test(model)) === undefined
        ? undefined
        : 'Each glob is over provider/model, e.g. openai/gpt-4o* or */llama-*',
  });
  if (models === undefined) return undefined;
  const budget = await vscode.window.showInputBox({
    title: `${title}: budget`,
    prompt: 'USD per period: 5/day, 50/week, 200/month or 100/total. Empty: no budget of its own.',
    value: current.budget === undefined ? '' : `${current.budget.limitUsd}/${current.budget.period}`,
    validateInput: (value) => (value.trim() === '' || /^\$?\d+(\.\d+)?\/(day|week|month|total)$/.test(value.trim()) ? undefined : 'USD/PERIOD, e.g. 5/day'),
  });
  if (budget === undefined) return undefined;
  const limits = await vscode.window.showInputBox({
    title: `${title}: rate limits`,
    prompt: 'Requests and tokens per minute, e.g. "60 rpm, 200000 tpm". Empty: no rate limit.',
    value: [current.rpm === undefined ? undefined : `${current.rpm} rpm`, current.tpm === undefined ? undefined : `${current.tpm} tpm`].filter(Boolean).join(', '),
    validateInput: (value) => (value.trim() === '' || /^\s*(\d+\s*(rpm|tpm)\s*(,\s*|$))+$/.test(value) ? undefined : 'e.g. 60 rpm, 200000 tpm'),
  });
  if (limits === undefined) return undefined;
  const redaction = await askKeyRedaction(current.redaction, title);
  if (redaction === undefined) return undefined;
  const list = models
    .split(',')
    .map((model) => model.trim())
    .filter((model) => model !== '');
  const rpm = /(\d+)\s*rpm/.exec(limits)?.[1];
  const tpm = /(\d+)\s*tpm/.exec(limits)?.[1];
  return {
    models: list.length === 0 ? null : list,
    budget: budget.trim() === '' ? null : budget.trim(),
    rpm: rpm === undefined ? null : Number(rpm),
    tpm: tpm === undefined ? null : Number(tpm),
    redaction: redaction.value,
  };
}

/** The key's redaction: a mode, then (for redact and block) the detectors; `{ value: null }` follows the config. */
async function askKeyRedaction(current: { mode?: string; detectors?: string[] } | undefined, title: string): Promise<{ value: AccessKeyFields['redaction'] } | undefined> {
  const mode = await vscode.window.showQuickPick(
    redactionChoices.map((choice) => ({ ...choice, picked: choice.mode === current?.mode, description: choice.mode === current?.mode ? 'current' : undefined })),
    { title: `${title}: redaction`, placeHolder: 'Secrets and personal data in what this key sends' },
  );
  if (mode === undefined) return undefined;
  if (mode.mode === undefined) return { value: null };
  if (mode.mode === 'off') return { value: { mode: 'off', detectors: null } };
  const detectors = await vscode.window.showQuickPick(
    detectorNames.map((name) => ({ label: name, picked: current?.detectors?.includes(name) ?? false })),
    { title: `${title}: detectors`, canPickMany: true, placeHolder: "The detectors for this key; none picked: the config's" },
  );
  if (detectors === undefined) return undefined;
  return { value: { mode: mode.mode, detectors: detectors.length === 0 ? null : detectors.map((detector) => detector.label) } };
}
