import assert from 'node:assert/strict';
import { compileGlob } from '../../../proxy/routing/glob';

/** Asserts which of `values` the pattern matches, exactly. */
function assertMatches(pattern: string, matching: string[], notMatching: string[]): void {
  const test = compileGlob(pattern);
  for (const value of matching) assert.equal(test(value), true, `${pattern} should match ${value}`);
  for (const value of notMatching) assert.equal(test(value), false, `${pattern} should not match ${value}`);
}

describe('compileGlob', () => {
  it('an exact name matches only itself, case-sensitively', () => {
    assertMatches('gpt-4o', ['gpt-4o'], ['gpt-4o-mini', 'GPT-4o', 'gpt-4', '', 'xgpt-4o']);
  });

  it('claude-* matches the family, the bare prefix included', () => {
    assertMatches('claude-*', ['claude-sonnet-4-5', 'claude-', 'claude-haiku-4-5-20251001'], ['claude', 'Claude-sonnet-4-5', 'anthropic/claude-sonnet-4-5']);
  });

  it('*-mini matches by the end', () => {
    assertMatches('*-mini', ['gpt-5-mini', 'o4-mini', '-mini'], ['gpt-5-mini-2025-08-07', 'mini', 'gpt-5-Mini']);
  });

  it('gpt-?o matches exactly one character in place of ?', () => {
    assertMatches('gpt-?o', ['gpt-4o', 'gpt-xo'], ['gpt-o', 'gpt-40o', 'gpt-4o-mini', 'gpt-4O']);
  });

  it('? is one character even outside the basic plane', () => {
    assertMatches('team-?', ['team-a', 'team-😀'], ['team-', 'team-ab']);
  });

  it('a dot in a name is a dot, not any character', () => {
    assertMatches('gpt-4.1', ['gpt-4.1'], ['gpt-401', 'gpt-4x1']);
    assertMatches('gpt-4.1*', ['gpt-4.1', 'gpt-4.1-mini'], ['gpt-401-mini']);
    assertMatches('llama3.1-8b', ['llama3.1-8b'], ['llama3x1-8b']);
    assertMatches('*3.1-?b', ['llama3.1-8b', 'cerebras/llama3.1-8b'], ['llama3x1-8b', 'llama3.1-70b']);
  });

  it('other regular expression characters are literal too', () => {
    assertMatches('model+v?', ['model+v2'], ['modelv2', 'modellv2']);
    assertMatches('a(b)|[c]{2}^$\\?', ['a(b)|[c]{2}^$\\x'], ['ab', 'a(b)|[c]{2}^$\\']);
    assertMatches('/v1beta/models/*:generateContent', ['/v1beta/models/gemini-2.5-flash:generateContent'], ['/v1beta/models/gemini-2.5-flash:streamGenerateContent']);
  });

  it('* alone matches everything, the empty string included', () => {
    assertMatches('*', ['', 'anything', 'a*b'], []);
    assertMatches('**', ['', 'x'], []);
  });

  it('prefix*suffix does not let the two overlap', () => {
    assertMatches('ab*ba', ['abba', 'ab-ba', 'abxyzba'], ['aba', 'ab', 'ba', 'abb']);
  });

  it('several stars find each middle part in order', () => {
    assertMatches('*sonnet*4*', ['claude-sonnet-4-5', 'sonnet4', 'anthropic/claude-sonnet-4'], ['claude-4-sonnet', 'sonnet', 'claude-opus-4']);
    assertMatches('a*b*b*a', ['abba', 'abbba', 'axbybza'], ['aba', 'abxa']);
    assertMatches('gpt-*-*', ['gpt-5-mini', 'gpt-4o-2024-08-06'], ['gpt-5', 'gpt-']);
  });

  it('an empty pattern matches only the empty string', () => {
    assertMatches('', [''], ['a']);
  });

  it('? with * and no literal head', () => {
    assertMatches('?*-mini', ['o4-mini', 'gpt-5-mini'], ['-mini']);
  });
});
