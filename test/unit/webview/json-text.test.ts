import assert from 'node:assert/strict';
import { childPath, formatConfigText, lineColumn, parseJsonText } from '../../../webview/json-text';

describe('webview json text', () => {
  it('parses what JSON.parse parses and records where each value starts', () => {
    const text = '{\n  "rules": [\n    { "match": { "model": "gpt-*" }, "route": "fast" }\n  ],\n  "n": -1.5e2\n}';
    const result = parseJsonText(text);
    assert.ok(result.ok);
    assert.deepEqual(result.value, JSON.parse(text));
    assert.deepEqual(result.positions.get('rules[0].match.model'), { offset: 32, line: 3, column: 18 });
    assert.equal(result.positions.get('rules')?.line, 2);
    assert.equal(result.positions.get('n')?.line, 5);
  });

  it('decodes string escapes', () => {
    const result = parseJsonText('["a\\"b\\\\c\\u00e9\\n"]');
    assert.ok(result.ok);
    assert.deepEqual(result.value, ['a"b\\cé\n']);
  });

  it('reports a trailing comma at its line and column', () => {
    const result = parseJsonText('{\n  "a": 1,\n}');
    assert.ok(!result.ok);
    assert.match(result.error.message, /Trailing comma/);
    assert.equal(result.error.line, 3);
    assert.equal(result.error.column, 1);
  });

  it('reports a missing comma, an unclosed string and text after the value', () => {
    const missingComma = parseJsonText('{"a": 1\n "b": 2}');
    assert.ok(!missingComma.ok);
    assert.deepEqual([missingComma.error.line, missingComma.error.column], [2, 2]);
    const unclosed = parseJsonText('{"a": "open}');
    assert.ok(!unclosed.ok);
    assert.match(unclosed.error.message, /not closed/);
    assert.equal(unclosed.error.column, 7);
    const extra = parseJsonText('{} x');
    assert.ok(!extra.ok);
    assert.equal(extra.error.column, 4);
    const empty = parseJsonText('   ');
    assert.ok(!empty.ok);
    assert.match(empty.error.message, /end of the text/);
  });

  it('rejects what strict JSON rejects', () => {
    for (const text of ["{'a': 1}", '[01]', '{"a": undefined}', '[1,]', '"tab\there"']) {
      const result = parseJsonText(text);
      assert.equal(result.ok, false, text);
      assert.throws(() => JSON.parse(text));
    }
  });

  it('builds problem paths and positions', () => {
    assert.equal(childPath('', 'rules'), 'rules');
    assert.equal(childPath('rules', 2), 'rules[2]');
    assert.equal(childPath('routes', 'fast'), 'routes.fast');
    assert.deepEqual(lineColumn('ab\ncd', 4), { offset: 4, line: 2, column: 2 });
    assert.equal(formatConfigText({ a: 1 }), '{\n  "a": 1\n}\n');
  });
});
