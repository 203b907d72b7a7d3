import * as vscode from 'vscode';
import type { BudgetBlocked } from '../proxy/control/protocol';

/**
 * A budget refused a call: said once per budget and period (the proxy announces each block
 * once), with where it stands and when it resets.
 */
export async function showBudgetBlocked(blocked: BudgetBlocked, openPanel: () => void): Promise<void> {
  const what = blocked.budget.startsWith('key:') ? `The budget of access key '${blocked.budget.slice(4)}'` : `Budget '${blocked.budget}'`;
  const resets = blocked.resetsAt === undefined ? 'It never resets: raise its limit to go on.' : `It resets ${new Date(blocked.resetsAt).toLocaleString()}.`;
  const choice = await vscode.window.showWarningMessage(
    `${what} blocked a call: $${blocked.spentUsd.toFixed(2)} spent or reserved of $${blocked.limitUsd} per ${blocked.period}. ${resets}`,
    'Open Panel',
  );
  if (choice === 'Open Panel') openPanel();
}
