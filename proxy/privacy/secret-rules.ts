/**
 * Credential formats the `secrets` detector finds. Each rule is a regular expression anchored on
 * a literal the format always carries (a prefix such as `AKIA`, `ghp_`, `sk-ant-`, a PEM header),
 * so V8 skips ahead to candidates instead of trying every position; the patterns follow
 * gitleaks' default rule set (MIT, the most widely kept open list) and secretlint's recommended
 * preset, without their allow-lists: a key shaped like a real one is redacted even when it is a
 * documentation example (AWS's own sample key id, `AKIA…` ending in `EXAMPLE`), since nobody can tell a real key pasted into a
 * prompt from an example. See docs/decisions.md (Privacy) for why the preset itself is not used.
 *
 * `group` names the capture group holding the secret when the match carries context around it
 * (`aws_secret_access_key = …`, a URL's password); the whole match otherwise.
 */
export interface SecretRule {
  /** The placeholder's type, e.g. `AWS_KEY` → `<AWS_KEY_1>`. */
  kind: string;
  /**
   * Literals every match contains: the pattern runs only on a text holding one of them, found
   * with `includes` (a few microseconds over 80 KB, where a regular expression pass costs tenths
   * of a millisecond). `lowerTriggers` are looked for in the lower-cased text.
   */
  triggers?: readonly string[];
  lowerTriggers?: readonly string[];
  pattern: RegExp;
  group?: number;
  /** Refuses a match that has the shape but not the substance (a code expression, a type name). */
  accept?: (value: string) => boolean;
  /** Refuses a match by where it starts in the text (a `.env` name must start its line). */
  acceptAt?: (text: string, index: number) => boolean;
  /**
   * For the raw-body prefilter (raw-prefilter.ts): what every match has after its trigger, for
   * triggers that are common words (`token`, `auth`, `secret`). `assignment`: more name
   * characters, an optional quote, blanks, then `=` or `:`; `quoted-assignment`: that, then
   * blanks and a quote (or an escaped one). Without it, the trigger alone makes a candidate.
   */
  follows?: 'assignment' | 'quoted-assignment';
  /**
   * For the raw-body prefilter: what follows `://` up to the `@` of `user:password@host` never
   * holds a blank, a quote or a `/`.
   */
  credentialsInUrl?: true;
}

/** The names of credentials in `name = value` assignments, lower-cased. */
const secretWords = ['password', 'passwd', 'passphrase', 'pwd', 'secret', 'token', 'apikey', 'api_key', 'api-key', 'accesskey', 'access_key', 'access-key', 'privatekey', 'private_key', 'private-key', 'auth', 'credential', 'dsn'];
const secretName = String.raw`(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|auth|credentials?|dsn)[A-Za-z0-9_]*`;
const credentialName = new RegExp(secretName, 'i');

/** Whether a name (a JSON object's key, say) holds a credential's name: `password`, `apiKey`, `DB_TOKEN`. */
export function namesCredential(name: string): boolean {
  return credentialName.test(name);
}
const envNames = ['PASSWORD', 'PASSWD', 'PASSPHRASE', 'PWD', 'SECRET', 'TOKEN', 'APIKEY', 'API_KEY', 'ACCESSKEY', 'ACCESS_KEY', 'PRIVATEKEY', 'PRIVATE_KEY', 'CREDENTIAL', 'AUTH', 'DSN'];

export const secretRules: readonly SecretRule[] = [
  { kind: 'PRIVATE_KEY', triggers: ['PRIVATE KEY'], pattern: /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\]*)/g },
  { kind: 'AWS_KEY', triggers: ['AKIA', 'ASIA', 'A3T', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA'], pattern: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b/g },
  { kind: 'AWS_SECRET', lowerTriggers: ['secret'], follows: 'assignment', pattern: /aws_?secret_?(?:access_?)?key["']?\s*(?:=|:|=>)\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi, group: 1 },
  { kind: 'GITHUB_TOKEN', triggers: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'], pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: 'GITLAB_TOKEN', triggers: ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glcbt-', 'glsoat-', 'glft-', 'glimt-', 'glagent-', 'gloas-'], pattern: /\bgl(?:pat|dt|rt|ptt|cbt|soat|ft|imt|agent|oas)-[A-Za-z0-9_-]{20,}/g },
  { kind: 'SLACK_TOKEN', triggers: ['xox', 'xapp-', 'hooks.slack.com'], pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Za-z0-9-]{10,}|https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/+-]{20,}/g },
  { kind: 'STRIPE_KEY', triggers: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_', 'whsec_'], pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,99}\b|\bwhsec_[A-Za-z0-9]{24,}\b/g },
  { kind: 'ANTHROPIC_KEY', triggers: ['sk-ant-'], pattern: /\bsk-ant-(?:api|admin|oat|sid)\d{0,3}-[A-Za-z0-9_-]{32,}/g },
  // Every match holds one of these (`sk-` alone is in every `task-`, `risk-`, `desk-`).
  { kind: 'OPENAI_KEY', triggers: ['sk-proj-', 'sk-svcacct-', 'sk-admin-', 'sk-None-', 'T3BlbkFJ'], pattern: /\bsk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})/g },
  { kind: 'GOOGLE_API_KEY', triggers: ['AIza'], pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: 'GOOGLE_SECRET', triggers: ['GOCSPX-', 'ya29.'], pattern: /\bGOCSPX-[A-Za-z0-9_-]{28}|\bya29\.[A-Za-z0-9_-]{30,}/g },
  { kind: 'JWT', triggers: ['eyJ'], pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g },
  {
    kind: 'API_KEY',
    triggers: ['npm_', 'hf_', 'gsk_', 'xai-', 'SG.', 'dop_v1_', 'shpat_', 'shpca_', 'shppa_', 'shpss_', 'lin_api_', 'pypi-'],
    pattern: /\b(?:npm_[A-Za-z0-9]{36}|hf_[A-Za-z]{34}|gsk_[A-Za-z0-9]{48,}|xai-[A-Za-z0-9]{60,}|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}|dop_v1_[a-f0-9]{64}|shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}|lin_api_[A-Za-z0-9]{40}|pypi-AgE[A-Za-z0-9_-]{50,})\b/g,
  },
  // user:password@ in a connection string or URL: only the password goes. Anchored on `://`.
  { kind: 'PASSWORD', triggers: ['://'], credentialsInUrl: true, pattern: /:\/\/[^\s:/@"'<>]{1,64}:([^\s@/"'<>]{3,128})@[A-Za-z0-9.-]/g, group: 1, accept: (value) => !value.startsWith('$') && !value.startsWith('{') },
  // `.env` lines and shell exports: an upper-case name naming a credential at a line's start, any value.
  {
    kind: 'SECRET',
    triggers: envNames,
    follows: 'assignment',
    pattern: /(?:PASSWORD|PASSWD|PASSPHRASE|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH|DSN)[A-Z0-9_]*[ \t]*=[ \t]*["']?([^\s"'\\]{3,})/g,
    group: 1,
    accept: (value) => !value.startsWith('$') && !/^(?:true|false|null|none|changeme|xxx+|\*+)$/i.test(value),
    acceptAt: startsEnvLine,
  },
  // `password = "…"`, `"apiKey": "…"`, `secret: '…'`, `$config['api_key'] => '…'` in code and
  // config: a quoted literal only, so `password = getPassword()` and `token: string` stay.
  // Anchored on the credential's name.
  {
    kind: 'SECRET',
    lowerTriggers: secretWords,
    follows: 'quoted-assignment',
    pattern: new RegExp(String.raw`${secretName}["']?\]?\s*(?:=|:|=>|:=)\s*(?:\\?["'])([^"'\s\\]{6,200})\\?["']`, 'gi'),
    group: 1,
    accept: looksLikeSecretValue,
  },
];
/**
 * A quoted value in a credential assignment that is a credential, not a placeholder, a type, an
 * environment lookup or a template: the generic rule's guard against ordinary code.
 */
function looksLikeSecretValue(value: string): boolean {
  if (/^(?:string|number|boolean|null|undefined|true|false|none|password|secret|token|required|optional|hidden|redacted)$/i.test(value)) return false;
  if (/^[$%{<]|^process\.env|^os\.environ|^env\(|\{\{|\*{3}|^x{4,}$|^\.+$/i.test(value)) return false;
  // A lower-case word or snake/kebab identifier is a name (a field, a header, a route), not a secret.
  if (/^[a-z]+(?:[_-][a-z]+)*$/.test(value)) return false;
  // A URL or a path is where a credential lives, not one.
  if (/^(?:https?:\/\/|\/|\.\/)/.test(value)) return false;
  return true;
}

/**
 * Whether the upper-case name around `index` starts a line (`NAME=`, `export NAME=`): walks back
 * over the name, then blanks and an `export`, to the text's start, a newline (or an escaped `\n`
 * in JSON text) or a `;`.
 */
function startsEnvLine(text: string, index: number): boolean {
  let at = index;
  while (at > 0 && /[A-Z0-9_]/.test(text[at - 1]!)) at -= 1;
  while (at > 0 && (text[at - 1] === ' ' || text[at - 1] === '\t')) at -= 1;
  if (text.slice(Math.max(0, at - 6), at) === 'export') {
    at -= 6;
    while (at > 0 && (text[at - 1] === ' ' || text[at - 1] === '\t')) at -= 1;
  }
  if (at === 0) return true;
  const before = text[at - 1];
  return before === '\n' || before === ';' || (before === 'n' && text[at - 2] === '\\');
}
