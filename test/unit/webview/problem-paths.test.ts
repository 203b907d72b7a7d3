import assert from 'node:assert/strict';
import { parseProblemPath, pathWithin, placeProblems, problemLocation, problemText } from '../../../webview/problem-paths';

describe('webview problem paths', () => {
  it('splits paths into keys and indexes', () => {
    assert.deepEqual(parseProblemPath('rules[2].match.model'), ['rules', 2, 'match', 'model']);
    assert.deepEqual(parseProblemPath('routes.fast.targets[0]'), ['routes', 'fast', 'targets', 0]);
    assert.deepEqual(parseProblemPath(''), []);
  });

  it('tells whether a path lies inside a field, on segment boundaries', () => {
    assert.equal(pathWithin('rules[2].match.model', 'rules[2]'), true);
    assert.equal(pathWithin('rules[2].match.model', 'rules[2].match.model'), true);
    assert.equal(pathWithin('rules[20].route', 'rules[2]'), false);
    assert.equal(pathWithin('routes.fastest.targets', 'routes.fast'), false);
  });

  it('places each problem at the deepest field that holds it', () => {
    const fields = ['rules[0]', 'rules[0].match.model', 'rules[0].route', 'rules[1]', 'routes.fast', 'routes.fast.targets'];
    const problems = [
      { path: 'rules[0].match.model', message: 'bad glob' },
      { path: 'rules[0].match.tools', message: 'must be a boolean' },
      { path: 'rules[1].route', message: 'unknown route' },
      { path: 'routes.fast.targets[1]', message: 'unknown provider' },
      { path: 'providers.groq', message: 'no baseUrl' },
      { path: '', message: 'top level' },
    ];
    const placed = placeProblems(problems, fields);
    assert.deepEqual(placed.byField.get('rules[0].match.model'), [problems[0]]);
    assert.deepEqual(placed.byField.get('rules[0]'), [problems[1]]);
    assert.deepEqual(placed.byField.get('rules[1]'), [problems[2]]);
    assert.deepEqual(placed.byField.get('routes.fast.targets'), [problems[3]]);
    assert.deepEqual(placed.unplaced, [problems[4], problems[5]]);
  });

  it('drops a leading copy of the path from the message', () => {
    assert.equal(problemText({ path: 'rules[0].route', message: "rules[0].route: 'x' is not a route." }), "'x' is not a route.");
    assert.equal(problemText({ path: 'rules[0].route', message: 'Unknown route.' }), 'Unknown route.');
    assert.equal(problemText({ path: 'rules[2].match.minInputTokens', message: 'rules[2].match.minInputTokens must be a non-negative integer.' }), 'Must be a non-negative integer.');
    assert.equal(problemText({ path: 'rules[2]', message: 'rules[2].match has an unknown field.' }), 'rules[2].match has an unknown field.');
  });

  it('names the path of a listed problem once, with its line', () => {
    const model = { path: 'rules[0].match.model', message: 'rules[0].match.model must be a non-empty string.' };
    assert.deepEqual(problemLocation(model, 21), { path: 'rules[0].match.model', line: 21 });
    assert.equal(problemText(model), 'Must be a non-empty string.');
    // The text still begins with a deeper path: the line alone, so the path is not written twice.
    assert.deepEqual(problemLocation({ path: 'rules[2]', message: 'rules[2].match has an unknown field.' }, 9), { line: 9 });
    assert.deepEqual(problemLocation({ path: 'rules[2]', message: 'rules[2].match has an unknown field.' }), {});
    assert.deepEqual(problemLocation({ path: '', message: 'Not valid JSON.' }), { path: 'config' });
    assert.deepEqual(problemLocation({ path: '', message: 'Not valid JSON.' }, 1), { line: 1 });
  });
});
