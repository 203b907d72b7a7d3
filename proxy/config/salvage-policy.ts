import { defaultConfig, type BudgetConfig, type BudgetEstimateConfig } from './config';
import { validateConfig } from './load-config';

/** The money and model policy of a config file that failed to load, as far as it can be read. */
export interface SalvagedPolicy {
  budgets: BudgetConfig[];
  budgetEstimate: BudgetEstimateConfig;
  disabledModels: string[];
  /**
   * Why the file's `budgets`, `budgetEstimate` or `disabledModels` cannot be put in force (the
   * file is not JSON, or those fields are themselves invalid): every model call is then refused
   * with this reason until the file is fixed.
   */
  unreadable?: string;
}

const policyFields = ['budgets', 'budgetEstimate', 'disabledModels'] as const;

/**
 * A proxy started on a broken config serves with presets only, but must not fail open on money:
 * the file's budgets and disabled models stay in force when those fields are valid on their own
 * (a typo in a route does not lift a budget), and when they cannot be read, calls are refused
 * naming the problem — the same rule as the file's access keys (`salvageAccessKeys`). A running
 * proxy never gets here: a reload that fails keeps the last good config whole.
 */
export function salvagePolicy(text: string): SalvagedPolicy {
  const defaults = defaultConfig();
  const none: SalvagedPolicy = { budgets: defaults.budgets, budgetEstimate: defaults.budgetEstimate, disabledModels: defaults.disabledModels };
  const mentioned = policyFields.filter((field) => text.includes(`"${field}"`));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return mentioned.length === 0 ? none : { ...none, unreadable: `the file is not valid JSON, so its ${quoted(mentioned)} cannot be read` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return mentioned.length === 0 ? none : { ...none, unreadable: 'the file is not a JSON object' };
  const root = json as Record<string, unknown>;
  const policy: Record<string, unknown> = {};
  for (const field of policyFields) if (root[field] !== undefined) policy[field] = root[field];
  if (Object.keys(policy).length === 0) return none;
  let checked = validateConfig(policy);
  // A budget may match a provider the file defines itself: check against its providers too.
  if (checked.config === undefined && root.providers !== undefined) {
    const withProviders = validateConfig({ ...policy, providers: root.providers });
    if (withProviders.config !== undefined) checked = withProviders;
  }
  const config = checked.config;
  if (config === undefined) {
    const problems = checked.problems.filter((problem) => policyFields.some((field) => problem.path.startsWith(field)));
    const listed = (problems.length > 0 ? problems : checked.problems).map((problem) => problem.message);
    return { ...none, unreadable: `its ${quoted(Object.keys(policy))} cannot be put in force: ${listed.slice(0, 3).join(' ')}${listed.length > 3 ? ` (and ${listed.length - 3} more)` : ''}` };
  }
  return { budgets: config.budgets, budgetEstimate: config.budgetEstimate, disabledModels: config.disabledModels };
}

function quoted(fields: readonly string[]): string {
  return fields.map((field) => `"${field}"`).join(' and ');
}
