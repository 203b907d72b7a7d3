import assert from 'node:assert/strict';
import { anthropicBody, openaiBody, sourceCode } from '../../../bench/payloads';
import type { JsonObject } from '../../../proxy/core/json';
import { RawPrefilter, prefilterSliceBytes } from '../../../proxy/privacy/raw-prefilter';
import { redactBody } from '../../../proxy/privacy/redact-body';
import { Scanner, detectorNames, type DetectorName } from '../../../proxy/privacy/scanner';
import { assignmentForms, ordinaryCode, piiSamples, secretSamples } from './corpus';

/** Where agents put text: every client format's fields, tool-call arguments (JSON inside JSON) included. */
const placements: Array<[string, (text: string) => JsonObject]> = [
  ['chat message', (text) => ({ model: 'gpt-4o', messages: [{ role: 'user', content: text }] })],
  ['chat tool-call arguments', (text) => ({ model: 'gpt-4o', messages: [{ role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'write', arguments: JSON.stringify({ path: '.env', content: text }) } }] }] })],
  ['messages tool result', (text) => ({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: text }] }] })],
  ['messages system', (text) => ({ model: 'claude-sonnet-4-5', max_tokens: 1024, system: [{ type: 'text', text }], messages: [{ role: 'user', content: 'hi' }] })],
  ['responses input', (text) => ({ model: 'gpt-5', input: [{ type: 'function_call_output', call_id: 'call_1', output: text }] })],
  ['gemini part', (text) => ({ contents: [{ role: 'user', parts: [{ text }] }], generationConfig: { maxOutputTokens: 1000 } })],
  // Tool-call arguments as objects: a value is scanned with its key when the key names a credential.
  ['gemini function-call args, keyed', (text) => ({ contents: [{ role: 'model', parts: [{ functionCall: { name: 'login', args: { password: text } } }] }] })],
  ['messages tool_use input, keyed', (text) => ({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'login', input: { apiKey: text } }] }] })],
];

/** How clients write JSON: as JavaScript does, `/` escaped (PHP), non-ASCII escaped (Python), every character escaped. */
const writers: Array<[string, (body: JsonObject) => string]> = [
  ['JSON.stringify', (body) => JSON.stringify(body)],
  ['slashes escaped', (body) => JSON.stringify(body).replace(/\//g, '\\/')],
  ['pretty, non-ASCII escaped', (body) => JSON.stringify(body, undefined, 2).replace(/[\u0080-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)],
  ['@ . : - escaped', (body) => escapeInStrings(JSON.stringify(body), /[@.:-]/g)],
  ['every letter escaped', (body) => escapeInStrings(JSON.stringify(body), /[A-Za-z]/g)],
];

/** `text`'s bytes starting `offset` bytes past a multiple of 4 in their buffer. */
function atOffset(text: string, offset: number): Buffer {
  const bytes = Buffer.alloc(offset + Buffer.byteLength(text));
  bytes.write(text, offset);
  return bytes.subarray(offset);
}

/** `\u00XX` for each character matching `pattern` inside the JSON text's strings (keys too). */
function escapeInStrings(json: string, pattern: RegExp): string {
  return json.replace(/"(?:[^"\\]|\\.)*"/g, (literal) => literal.replace(pattern, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

describe('raw-body prefilter', () => {
  it('never clears a body where the detectors find something: every sample, field, writer and detector', async () => {
    const texts = [...secretSamples(300), ...piiSamples(250)].map((sample) => sample.text);
    // Around the values: non-ASCII blanks and text, tabs, URLs, JSON, the shortest phone and IBAN.
    texts.push('Réponse: écrivez à marie.curie@exemple.fr — merci', 'password:\u00a0"Zx9!kP2#qL"', 'token\t=\t"abcdef123456"', 'see https://user:pa55word@db.internal/app', '{"api_key": "AbCdEf123456"}', 'call +4 1234 567 now', 'from 10.0.0.1', 'fe80::1ff:fe23:4567:890a%eth0', 'IBAN DE89 3704 0044 0532 0130 00', 'konto NO9386011117947.', 'mail jane_@example.com');
    // What the operator's neighbours must look like for the name before it to be looked at (raw-prefilter.ts, operatorOfAssignment).
    texts.push(...assignmentForms());
    // A bare value, found only where its key names a credential (the keyed placements): the
    // prefilter must look at a JSON key's own `":"` too, not only at code's assignments.
    texts.push('Xk4pT9qZ2wLm8vR');
    const settings: DetectorName[][] = [[...detectorNames], ...detectorNames.map((name) => [name])];
    let bodiesWithFindings = 0;
    const missed: string[] = [];
    for (const detectors of settings) {
      const scanner = new Scanner({ detectors, custom: [], allow: [] });
      const prefilter = new RawPrefilter(detectors);
      // Each detector alone (its thresholds matter then) over a fifth of the texts.
      for (const text of detectors.length > 1 ? texts : texts.filter((_, index) => index % 5 === 0 || index >= texts.length - 12)) {
        for (const [placement, build] of placements) {
          for (const [writer, write] of writers) {
            const raw = write(build(text));
            const { found } = await redactBody(JSON.parse(raw) as JsonObject, scanner);
            if (found.length === 0) continue;
            bodiesWithFindings += 1;
            // The bytes at every offset from a word's start (the prefilter reads them four at a time).
            if (!prefilter.mayFind(atOffset(raw, bodiesWithFindings % 4))) missed.push(`${detectors.join('+')} / ${placement} / ${writer}: ${text}`);
          }
        }
      }
    }
    assert.deepEqual(missed.slice(0, 10), []);
    // The corpus did exercise the detectors (each sample in each of 8 fields and 5 writers).
    assert.ok(bodiesWithFindings > 15_000, `${bodiesWithFindings} bodies with findings`);
  });

  it('finds every kind of value whichever byte of a word it starts at, each detector alone and all on', () => {
    // The prefilter reads 4 bytes at a time and flags pairs at even positions: a trigger by one
    // of its pairs at an even offset and one at an odd offset, a number run by a whole word of
    // digits and separators inside it, `://` by its colon or the slashes after it, an IBAN's
    // check digits by the pair holding the first. So every value is tried at each position.
    const secretWordsCases = ['password', 'PASSWORD', 'Passwd', 'passphrase', 'pwd', 'secret', 'Token', 'TOKEN', 'apiKey', 'api_key', 'API-KEY', 'accessKey', 'access_key', 'access-key', 'privateKey', 'private_key', 'private-key', 'auth', 'Auth', 'credential', 'dsn'];
    const values = [
      ...secretWordsCases.map((name) => `${name} = "Zx9kP2qL7wR4"`),
      ...['PASSWORD', 'PASSWD', 'PASSPHRASE', 'PWD', 'SECRET', 'TOKEN', 'APIKEY', 'API_KEY', 'ACCESSKEY', 'ACCESS_KEY', 'PRIVATEKEY', 'PRIVATE_KEY', 'CREDENTIAL', 'AUTH', 'DSN'].map((name) => `DB_${name}=hunter2x`),
      `aws_secret_access_key = ${'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKE'}`,
      'postgres://app:hunter22@db.internal/app',
      '1.2.3.4',
      '10.0.0.1',
      '555-123-4567',
      '+44 20 7946 0958',
      '4111 1111 1111 1111',
      '4111111111111111',
      'DE89370400440532013000',
      'DE89 3704 0044 0532 0130 00',
      'a@b.co',
      'fe80::1',
      'AKIAABCDEFGHIJKLMNOP',
      'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8',
    ];
    const settings: DetectorName[][] = [[...detectorNames], ...detectorNames.map((name) => [name])];
    let tried = 0;
    for (const detectors of settings) {
      const scanner = new Scanner({ detectors, custom: [], allow: [] });
      const prefilter = new RawPrefilter(detectors);
      for (const value of values) {
        for (let lead = 0; lead < 8; lead += 1) {
          // The value starts a line (a `.env` line must), `lead` bytes further each time.
          const text = `${'see it:'.slice(0, lead)}\n${value} here`;
          if (scanner.scan(text).length === 0) continue;
          tried += 1;
          const raw = JSON.stringify({ messages: [{ role: 'user', content: text }] });
          assert.equal(prefilter.mayFind(Buffer.from(raw)), true, `${detectors.join('+')}: ${JSON.stringify(text)}`);
        }
      }
    }
    // Each value was found by the scanner at 8 positions with all detectors on, and by its own detector alone.
    assert.ok(tried >= values.length * 8 * 2, `${tried} tried`);
    // An escaped ASCII character (`\u0040` is `@`) is a "maybe" wherever it starts; a non-ASCII one (`\u00e9`) is not.
    const prefilter = new RawPrefilter([...detectorNames]);
    for (let lead = 0; lead < 8; lead += 1) {
      const raw = (escape: string): Buffer => Buffer.from(`{"messages":[{"role":"user","content":"${'see it:'.slice(0, lead)} jane${escape}example.com"}]}`);
      assert.equal(prefilter.mayFind(raw('\\u0040')), true, `\\u0040 after ${lead}`);
      assert.equal(prefilter.mayFind(raw('\\u00e9')), false, `\\u00e9 after ${lead}`);
    }
  });

  it('clears the bench prompts and most ordinary source code without parsing them', () => {
    const prefilter = new RawPrefilter([...detectorNames]);
    const sourceFile = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'tool', tool_call_id: 'call_1', content: sourceCode(50_000, 17) }] });
    for (const body of [openaiBody('gpt-4o-mini', '1k', false), openaiBody('gpt-4o-mini', '80k', true), anthropicBody('claude-sonnet-4-5', '80k', false), sourceFile]) {
      for (let offset = 0; offset < 4; offset += 1) assert.equal(prefilter.mayFind(atOffset(body, offset)), false);
    }
    const lines = ordinaryCode();
    const cleared = lines.filter((line) => !prefilter.mayFind(Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: line }] }))));
    // Timestamps, version quads and long digit runs in it are candidates: the full scan decides those.
    assert.ok(cleared.length / lines.length > 0.6, `cleared ${cleared.length} of ${lines.length}`);
  });

  it('looks at what follows a common word: max_tokens is no credential, a quoted assignment is a candidate', () => {
    const prefilter = new RawPrefilter(['secrets']);
    const body = (content: string): Buffer => Buffer.from(JSON.stringify({ model: 'm', max_tokens: 1024, messages: [{ role: 'user', content }] }));
    assert.equal(prefilter.mayFind(body('the token budget and the auth flow, see https://example.com/docs')), false);
    assert.equal(prefilter.mayFind(body('const token = "abcdef123456"')), true);
    assert.equal(prefilter.mayFind(body('AUTH_TOKEN=abc123')), true);
    assert.equal(prefilter.mayFind(body('postgres://app:hunter22@db:5432/app')), true);
    assert.equal(prefilter.mayFind(body('the key is \u0041KIA…')), true);
  });

  it('looks at a body of several MB a slice at a time, following a value across the slices\' edge', async () => {
    const prefilter = new RawPrefilter([...detectorNames]);
    const filler = 'lorem ipsum dolor sit amet '.repeat(Math.ceil((2.5 * prefilterSliceBytes) / 27));
    const clean = Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: filler }] }));
    assert.equal(await prefilter.mayFindYielding(clean), false);
    const prefix = '{"messages":[{"role":"user","content":"'.length;
    const across = (value: string, edge: number, offset: number): Buffer => {
      // The value placed so that it crosses (or touches) a slice's edge.
      const text = filler.slice(0, edge + offset - prefix) + value + filler.slice(0, 1000);
      return atOffset(JSON.stringify({ messages: [{ role: 'user', content: text }] }), ((offset % 4) + 4) % 4);
    };
    // Every split of every kind of value, over small slices (the same scan: the slice size is a
    // parameter), so the test looks at kilobytes per case rather than megabytes, loaded or not.
    const sliceBytes = 4096;
    for (const value of ['jane.doe@acme-corp.io', '+44 20 7946 0958', 'DE89 3704 0044 0532 0130 00', '10.20.30.40', 'fe80::1ff:fe23:4567:890a', 'AKIAABCDEFGHIJKLMNOP', 'token = "abcdef123456"', 'DB_PASSWORD = hunter22', 'aws_secret_access_key = ' + 'A'.repeat(40)]) {
      assert.equal(await prefilter.mayFindYielding(across('', 2 * sliceBytes, 0), sliceBytes), false);
      for (const edge of [sliceBytes, 2 * sliceBytes]) {
        for (let offset = -value.length; offset <= 1; offset += 1) {
          assert.equal(await prefilter.mayFindYielding(across(value, edge, offset), sliceBytes), true, `${value} at ${offset} from the edge`);
        }
      }
      // And across the real slices' edge, once per value.
      assert.equal(await prefilter.mayFindYielding(across(value, prefilterSliceBytes, -Math.floor(value.length / 2))), true, `${value} across ${prefilterSliceBytes}`);
    }
  });

  it('cannot rule out custom patterns: a setting with any gets none', async () => {
    const { RedactionSettings } = await import('../../../proxy/privacy/redaction-settings');
    const { defaultConfig } = await import('../../../proxy/config/config');
    const config = defaultConfig();
    config.redaction = { ...config.redaction, mode: 'redact', custom: [{ name: 'ticket', pattern: 'TCK-[0-9]{6}' }] };
    assert.equal(RedactionSettings.compile(config)!.resolve(undefined, undefined)!.prefilter, undefined);
    config.redaction = { ...config.redaction, custom: [] };
    assert.ok(RedactionSettings.compile(config)!.resolve(undefined, undefined)!.prefilter instanceof RawPrefilter);
  });
});
