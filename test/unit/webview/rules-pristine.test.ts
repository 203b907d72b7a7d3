import assert from 'node:assert/strict';
import { pathWithin } from '../../../webview/problem-paths';

// The rules view hides the problems of a rule or route added and not yet typed in; which
// problems those are is decided by path prefix, as here.
describe('problems inside a new entry', () => {
  it('are found by the entry\'s path', () => {
    assert.equal(pathWithin('rules[4].route', 'rules[4]'), true);
    assert.equal(pathWithin('rules[40].route', 'rules[4]'), false);
    assert.equal(pathWithin('routes.route-2.targets[0]', 'routes.route-2'), true);
    assert.equal(pathWithin('routes.route-20', 'routes.route-2'), false);
  });
});
