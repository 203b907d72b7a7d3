import assert from 'node:assert/strict';
import { formatUsd } from '../../../extension/format';
import { costFormatCases } from '../cost-format-cases';

describe('extension format', () => {
  it('writes costs by the same rule as the panel', () => {
    for (const [amount, expected] of costFormatCases) assert.equal(formatUsd(amount), expected, `formatUsd(${amount})`);
  });
});
