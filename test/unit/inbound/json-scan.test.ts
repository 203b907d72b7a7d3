import assert from 'node:assert/strict';
import { findTopLevelString, findTopLevelValue, findTopLevelValueNearEnd, isJsonWhiteSpace, scanRequestHead, spliceBytes, stringEndInText } from '../../../proxy/inbound/json-scan';

function replaceModel(text: string, model: string): string {
  const buffer = Buffer.from(text);
  const range = findTopLevelString(buffer, 'model');
  assert.ok(range, 'model not found');
  return spliceBytes(buffer, range, JSON.stringify(model)).toString('utf8');
}

describe('findTopLevelString', () => {
  it('replaces only the top-level model and keeps every other byte', () => {
    const text = '{"messages":[{"role":"user","content":"say \\"model\\": \\"x\\""}],"tools":[{"input_schema":{"model":"nested"}}], "model" : "fast","stream":true}';
    const result = replaceModel(text, 'llama-3.3-70b');
    assert.equal(result, text.replace('"model" : "fast"', '"model" : "llama-3.3-70b"'));
    assert.deepEqual(JSON.parse(result).tools[0].input_schema, { model: 'nested' });
  });

  it('handles escaped backslashes before a closing quote and non-ASCII text', () => {
    const text = '{"system":"path C:\\\\","note":"héllo ✓","model":"claude-sonnet-4-5"}';
    assert.equal(JSON.parse(replaceModel(text, 'anthropic/claude')).model, 'anthropic/claude');
    assert.equal(JSON.parse(replaceModel(text, 'x')).note, 'héllo ✓');
  });

  it('returns undefined when the key is absent or not a string', () => {
    assert.equal(findTopLevelString(Buffer.from('{"stream":true}'), 'model'), undefined);
    assert.equal(findTopLevelString(Buffer.from('{"model":5}'), 'model'), undefined);
  });
});

describe('scanRequestHead', () => {
  const head = (text: string) => scanRequestHead(Buffer.from(text));
  /** The members' offsets of a body with a model at `model`, no output limit and no tools. */
  const members = (model: number) => ({ model, max_tokens: undefined, max_completion_tokens: undefined, max_output_tokens: undefined, tools: undefined });

  it('reads model and stream wherever they stand, ignoring nested look-alikes', () => {
    assert.deepEqual(head('{"model":"claude-sonnet-4-6","stream":true}'), { model: 'claude-sonnet-4-6', stream: true, complete: true, emptySignature: false, streamOptions: false, memberAt: members(9) });
    const spaced = ' {"messages":[{"model":"x","stream":true,"content":"\\"model\\":\\"y\\""}], "stream" : false, "model" : "gpt-\\u0034o" }\n';
    assert.deepEqual(head(spaced), { model: 'gpt-4o', stream: false, complete: true, emptySignature: false, streamOptions: false, memberAt: members(spaced.indexOf('"gpt-')) });
    const nested = '{"tools":[{"input_schema":{"stream":{"type":"boolean"}}}],"stream":true,"model":"m"}';
    assert.deepEqual(head(nested), { model: 'm', stream: true, complete: true, emptySignature: false, streamOptions: false, memberAt: { ...members(nested.length - 4), tools: 9 } });
  });

  it('says incomplete for anything the parser must look at', () => {
    for (const text of ['', '[1]', '{"model": "gpt-4o",', '{"model":"x"} trailing', '{"model":"x', 'nope']) {
      assert.equal(head(text).complete, false, text);
    }
  });

  it('reads the model of a truncated body, and calls a model with a bad escape incomplete instead of throwing', () => {
    assert.deepEqual(head('{"model": "gpt-4o",'), { model: 'gpt-4o', stream: false, complete: false, emptySignature: false, streamOptions: false });
    assert.deepEqual(head('{"model":"gpt-\\x","messages":[]}'), { stream: false, complete: false, emptySignature: false, streamOptions: false });
  });

  it('leaves model undefined when it is not a string', () => {
    assert.deepEqual(head('{"model":5,"stream":"yes"}'), { stream: false, complete: true, emptySignature: false, streamOptions: false, memberAt: members(9) });
  });

  it('notices a "signature" key holding an empty string at any depth, and only that', () => {
    const thinking = (signature: string) => `{"model":"m","messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"t",${signature}}]}]}`;
    assert.equal(head(thinking('"signature":""')).emptySignature, true);
    assert.equal(head(thinking('"signature" :\n ""')).emptySignature, true);
    assert.equal(head(thinking('"signature":"EqQBsig"')).emptySignature, false);
    assert.equal(head(thinking('"signatures":""')).emptySignature, false);
    // A value that reads "signature" is not a key; nor is escaped text inside another string.
    assert.equal(head('{"model":"m","a":["signature",""],"b":"\\"signature\\":\\"\\""}').emptySignature, false);
  });

  it('notices a top-level stream_options key, and only there', () => {
    assert.equal(head('{"model":"m","stream":true,"stream_options":{"include_usage":false}}').streamOptions, true);
    assert.equal(head('{"model":"m","messages":[{"stream_options":1}],"x":"\\"stream_options\\""}').streamOptions, false);
    // Where its object begins, so passthrough reads include_usage without parsing the body.
    const text = '{"model":"m","messages":[{"stream_options":{"a":1}}],"stream_options" : {"include_usage":true},"stream":true}';
    assert.equal(head(text).streamOptionsAt, text.indexOf('{"include_usage"'));
    assert.equal(head('{"model":"m","stream_options":null}').streamOptionsAt, undefined);
  });

  it("notes where the first top-level model and output limits' values begin, as findTopLevelValue finds them, for a complete body only", () => {
    const names = ['model', 'max_tokens', 'max_completion_tokens', 'max_output_tokens', 'tools'] as const;
    const bodies = [
      '{"model":"m","max_tokens":512,"messages":[{"max_tokens":1,"model":"nested"}]}',
      '{ "messages" : [], "max_completion_tokens" :\n 32000 , "model" : null, "max_tokens": "x", "model": "second" }',
      '{"tools":[{"input_schema":{"max_output_tokens":{"type":"integer"}}}],"max_output_tokens":7,"metadata":{"model":"m"}}',
      `{"model":"m","system":"${'x'.repeat(20_000)}","messages":[{"content":[{"max_tokens":3}]}],"max_tokens":64000}`,
    ];
    for (const text of bodies) {
      const json = Buffer.from(text);
      const found = scanRequestHead(json).memberAt;
      assert.ok(found !== undefined, text);
      for (const name of names) assert.equal(found[name], findTopLevelValue(json, name)?.start, `${name} in ${text.slice(0, 60)}`);
    }
    assert.equal(head('{"model":"m","max_tokens":5,').memberAt, undefined, 'a scan that stopped early has not seen every member');
  });

  it('knows its keys by every byte: a name of the same length that differs in one is another key', () => {
    const near = head('{"modal":"x","streak":true,"stream_optionz":{},"max_tokenz":5,"max_output_tokenz":6,"max_completion_tokenz":7,"a":1}');
    assert.deepEqual([near.model, near.stream, near.streamOptions, near.maxOutputTokens], [undefined, false, false, undefined]);
    const exact = head('{"a":1,"model":"m","stream":true,"stream_options":{},"max_completion_tokens":7}');
    assert.deepEqual([exact.model, exact.stream, exact.streamOptions, exact.maxOutputTokens], ['m', true, true, 7]);
    assert.equal(head('{"max_output_tokens":9}').maxOutputTokens, 9);
    // An escaped name is not compared unescaped (the full parse sees it), as the decoded name was not.
    assert.equal(head('{"mod\\u0065l":"m"}').model, undefined);
    // Another key's value is not read for a known one's, with or without the cache's names asked about.
    assert.equal(head('{"truncated":"x","stream":false}').stream, false);
    assert.equal(scanRequestHead(Buffer.from('{"temperature":1,"model":"m"}'), new Set(['temperature'])).model, 'm');
  });
});

describe('findTopLevelValue', () => {
  const valueOf = (text: string, key: string): string | undefined => {
    const buffer = Buffer.from(text);
    const range = findTopLevelValue(buffer, key);
    return range === undefined ? undefined : buffer.toString('utf8', range.start, range.end);
  };

  it('finds a top-level object past nested keys of the same name and strings that mention it', () => {
    const text = '{"content":[{"type":"text","text":"the \\"usage\\": {} field","usage":{"nested":1}}],"usage" : {"input_tokens":12,"cache":{"a":[1,{"b":"}"}]}},"stop":null}';
    assert.equal(valueOf(text, 'usage'), '{"input_tokens":12,"cache":{"a":[1,{"b":"}"}]}}');
  });

  it('finds strings, arrays, numbers and null, and nothing for a missing key', () => {
    const text = '{"a":"x,}","b":[1,[2]],"c":42,"d":null}';
    assert.equal(valueOf(text, 'a'), '"x,}"');
    assert.equal(valueOf(text, 'b'), '[1,[2]]');
    assert.equal(valueOf(text, 'c'), '42');
    assert.equal(valueOf(text, 'd'), 'null');
    assert.equal(valueOf(text, 'e'), undefined);
  });
});

describe('findTopLevelValueNearEnd', () => {
  const valueOf = (text: string, key: string): string | undefined => {
    const buffer = Buffer.from(text);
    const range = findTopLevelValueNearEnd(buffer, key);
    return range === undefined ? undefined : buffer.toString('utf8', range.start, range.end);
  };

  it('finds the top-level usage after content that holds look-alikes (a tool input object, escaped keys, a value "usage")', () => {
    const text = '{"content":[{"type":"tool_use","input":{"usage":{"x":1}}},{"type":"text","text":"\\"usage\\": {}"}],"kind":"usage","usage" :\n {"input_tokens":12,"cache":{"a":[1,{"b":"}"}]}},"metadata":{"k":[{}]},"stop":null}\n';
    assert.equal(valueOf(text, 'usage'), '{"input_tokens":12,"cache":{"a":[1,{"b":"}"}]}}');
  });

  it('finds the top-level one when a nested key of the same name comes after it (usage written first)', () => {
    const text = '{"usage":{"input_tokens":3},"content":[{"type":"tool_use","input":{"usage":{"input_tokens":999}}}]}';
    assert.equal(valueOf(text, 'usage'), '{"input_tokens":3}');
    assert.equal(valueOf('{"content":[{"input":{"usage":{"input_tokens":999}}}]}', 'usage'), undefined);
  });

  it('agrees with the forward scan on random answers, compact and pretty-printed', () => {
    // mulberry32: a small seeded generator, so a failure repeats.
    let seed = 7;
    const random = (below: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let mixed = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
      return (((mixed ^ (mixed >>> 14)) >>> 0) % below);
    };
    const keys = ['usage', 'content', 'a', 'x"usage', 'usage\\', 'input'];
    const value = (depth: number): unknown => {
      const kind = random(depth > 3 ? 3 : 6);
      if (kind === 0) return random(1000);
      if (kind === 1) return ['usage', '"usage":{', '\\', '}{[', 'plain'][random(5)];
      if (kind === 2) return null;
      if (kind === 3) return Array.from({ length: random(4) }, () => value(depth + 1));
      const object: Record<string, unknown> = {};
      for (let index = random(5); index > 0; index--) object[keys[random(keys.length)]!] = value(depth + 1);
      return object;
    };
    for (let round = 0; round < 2000; round++) {
      const object: Record<string, unknown> = {};
      for (let index = random(6); index > 0; index--) object[keys[random(keys.length)]!] = value(1);
      const text = JSON.stringify(object, undefined, round % 3 === 0 ? 2 : undefined);
      const buffer = Buffer.from(text);
      for (const key of ['usage', 'content', 'x"usage']) {
        assert.deepEqual(findTopLevelValueNearEnd(buffer, JSON.stringify(key).slice(1, -1)), findTopLevelValue(buffer, JSON.stringify(key).slice(1, -1)), text);
      }
    }
  });
});

describe('the string scanners the response cache shares', () => {
  it('finds a string\'s closing quote past escaped quotes and backslashes, in a latin1 text; -1 when it never closes', () => {
    const text = Buffer.from('{"a":"say \\"hi\\"","b":"c:\\\\","é":"x"}').toString('latin1');
    const first = text.indexOf('"', 5);
    assert.equal(text.slice(first, stringEndInText(text, first) + 1), '"say \\"hi\\""');
    const path = text.indexOf('"c:');
    assert.equal(text.slice(path, stringEndInText(text, path) + 1), '"c:\\\\"', 'an escaped backslash does not escape the quote');
    // Offsets are the bytes': the two-byte é is two characters of the latin1 text.
    const accented = text.indexOf('"\u00c3');
    assert.equal(stringEndInText(text, accented), accented + 3);
    assert.equal(stringEndInText('{"open', 1), -1);
    assert.equal(stringEndInText('"\\"', 0), -1);
  });

  it('knows JSON\'s four white-space characters and no other', () => {
    assert.deepEqual([...' \n\r\t'].map((character) => isJsonWhiteSpace(character.charCodeAt(0))), [true, true, true, true]);
    assert.deepEqual([...'\u00a0\f\va'].map((character) => isJsonWhiteSpace(character.charCodeAt(0))), [false, false, false, false]);
  });
});
