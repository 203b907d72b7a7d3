import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeNotInForce, locatePaths, nearestWord, salvageAccessKeys } from '../../../proxy/config/config-text';
import { ConfigError, loadConfigFile, parseConfigText, validateConfig } from '../../../proxy/config/load-config';

/** The message a config text is refused with. */
function refusal(text: string): ConfigError {
  try {
    parseConfigText(text, 'config.json');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail('the config was accepted');
}

function messages(config: unknown): string[] {
  return validateConfig(config).problems.map((problem) => problem.message);
}

describe('config error messages', () => {
  it('a syntax error says line and column, not a character position', () => {
    const error = refusal('{\n  "routes": {\n    "fast": { "strategy": "race", }\n  }\n}\n');
    assert.match(error.message, /^The config file config\.json is not valid JSON: line 3, column \d+: /);
    assert.doesNotMatch(error.message, /position/);
    assert.equal(error.problems[0]!.line, 3);
    assert.ok((error.problems[0]!.column ?? 0) > 20);
    assert.match(refusal('{ "routes": ').message, /line 1, column 13/);
  });

  it('a problem of a valid file says where its field is', () => {
    const text = '{\n  "rules": [\n    { "match": { "modle": "gpt-*" }, "route": "openai/gpt-5" }\n  ]\n}\n';
    const error = refusal(text);
    assert.equal(error.problems[0]!.path, 'rules[0].match.modle');
    assert.equal(error.problems[0]!.line, 3);
    assert.equal(error.problems[0]!.column, 18);
    assert.match(error.message, /\(line 3, column 18\)$/);
  });

  it('a missing file, a folder and an unreadable file are named plainly', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-config-'));
    try {
      assert.throws(() => loadConfigFile(path.join(folder, 'missing.json')), (error: Error) => /does not exist\. Create it \(\{\} is a valid config\)/.test(error.message) && !/ENOENT/.test(error.message));
      assert.throws(() => loadConfigFile(folder), (error: Error) => /is a folder, not a file/.test(error.message) && !/EISDIR/.test(error.message));
      writeFileSync(path.join(folder, 'ok.json'), '{}');
      assert.deepEqual(loadConfigFile(path.join(folder, 'ok.json')).rules, []);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('suggests the nearest known field, strategy, route or provider', () => {
    assert.match(messages({ rules: [{ match: { modle: 'gpt-*' }, route: 'openai/gpt-5' }] })[0]!, /unknown field 'rules\[0\]\.match\.modle'\. Did you mean 'model'\?/);
    assert.match(messages({ rout: {} })[0]!, /Did you mean 'routes'\?/);
    assert.match(messages({ routes: { fast: { strategy: 'fallbak', targets: ['openai/gpt-5'] } } })[0]!, /Did you mean 'fallback'\?/);
    const routes = { fast: { strategy: 'race', targets: ['openai/gpt-5-mini', 'groq/llama-3.3-70b-versatile'] } };
    assert.match(messages({ routes, rules: [{ match: {}, route: 'fats' }] })[0]!, /rules\[0\]\.route: 'fats' is not a route.*Did you mean 'fast'\?/);
    assert.match(messages({ routes: { fast: { strategy: 'fallback', targets: ['opnai/gpt-5'] } } })[0]!, /'opnai' is not a known provider\. Did you mean 'openai\/gpt-5'\?/);
    assert.equal(messages({ rules: [{ match: { colour: 'x' }, route: 'openai/gpt-5' }] })[0]!.includes('Did you mean'), false, 'nothing near: no guess');
  });

  it('an alias must lead to a known provider or another alias', () => {
    assert.deepEqual(validateConfig({ aliases: { fast: 'groq/llama-3.3-70b-versatile', quick: 'fast' } }).problems, []);
    const problems = validateConfig({ aliases: { fast: 'nowhere/llama' } }).problems;
    assert.equal(problems[0]!.path, 'aliases.fast');
    assert.match(problems[0]!.message, /aliases\.fast: 'nowhere\/llama' is neither provider\/model with a known provider nor another alias\. 'nowhere' is not a known provider/);
    assert.equal(validateConfig({ aliases: { fast: 'fast' } }).problems[0]!.path, 'aliases.fast', 'an alias to itself');
  });

  it('a broken file read at start: what of it is not in force', () => {
    const text = JSON.stringify({ providers: { local: {}, gateway: {} }, routes: { smart: {}, fast: {} }, aliases: { cheap: 'x' }, rules: [{}, {}, {}], accessKeys: ['k'] });
    assert.equal(describeNotInForce(text), 'providers local, gateway; routes smart, fast; aliases cheap; 3 rules');
    assert.match(describeNotInForce('{ broken')!, /nothing of the file is in force/);
    assert.equal(describeNotInForce('{}'), undefined);
  });

  it('locates every path and finds near words', () => {
    const places = locatePaths('{"a": {"b": [1, {"c": 2}]}, "d/e": {"f": 0}}');
    assert.deepEqual([...places.keys()], ['a', 'a.b', 'a.b[0]', 'a.b[1]', 'a.b[1].c', 'd/e', 'd/e.f']);
    assert.equal(nearestWord('modle', ['model', 'endpoint']), 'model');
    assert.equal(nearestWord('xyz', ['model']), undefined);
  });

  it('salvages the access keys of a broken file, and says when it names keys it cannot read (fail closed)', () => {
    assert.deepEqual(salvageAccessKeys('{"accessKeys": ["sy-a", "", 7, "sy-b"], "rules": 3}'), { keys: ['sy-a', 'sy-b'] });
    assert.deepEqual(salvageAccessKeys('{"rules": 3}'), { keys: [] });
    assert.deepEqual(salvageAccessKeys('{ broken'), { keys: [] });
    assert.match(salvageAccessKeys('{"accessKeys": ["sy-a"],}').unreadable!, /not valid JSON/);
    assert.match(salvageAccessKeys('{"accessKeys": "sy-a"}').unreadable!, /not a list of keys/);
    assert.match(salvageAccessKeys('{"accessKeys": [1, 2]}').unreadable!, /no key that is a non-empty string/);
    assert.deepEqual(salvageAccessKeys('{"accessKeys": []}'), { keys: [] });
  });
});
