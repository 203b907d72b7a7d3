/**
 * Credential formats the `secrets` detector finds. Each rule is a regular expression anchored on
 * a literal the format always carries (a prefix such as `AKIA`, `ghp_`, `sk-ant-`, a PEM header),
 * so V8 skips ahead to candidates instead of trying every position; the patterns follow
 * gitleaks' default rule set (MIT, the most widely kept open list) and secretlint's recommended
 * preset, without their allow-lists: a key shaped like a real one is redacted even when it is a
 * documentation example (`AKIAIOSFODNN7EXAMPLE`), since nobody can tell a real key pasted into a
 * prompt from an example. See docs/decisions.md (Privacy) for why the preset itself is not used.
 *
 * `group` names the capture group holding the secret when the match carries context around it
 * (`aws_secret_access_key = …`, a URL's password); the whole match otherwise.
 */
export interface SecretRule {
  /** The placeholder's type, e.g. `AWS_KEY` → `<AWS_KEY_1>`. */
  kind: string;
  pattern: RegExp;
  group?: number;
  /** Refuses a match that has the shape but not the substance (a code expression, a type name). */
  accept?: (value: string) => boolean;
}

/** The keys whose values are credentials in `name = value` assignments and `.env` lines. */
const secretName = String.raw`[A-Za-z0-9_.-]*?(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|auth|credentials?|dsn)[A-Za-z0-9_]*`;

export const secretRules: readonly SecretRule[] = [
  { kind: 'PRIVATE_KEY', pattern: /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\]*)/g },
  { kind: 'AWS_KEY', pattern: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b/g },
  { kind: 'AWS_SECRET', pattern: /aws_?secret_?(?:access_?)?key["']?\s*(?:=|:|=>)\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/gi, group: 1 },
  { kind: 'GITHUB_TOKEN', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { kind: 'GITLAB_TOKEN', pattern: /\bgl(?:pat|dt|rt|ptt|cbt|soat|ft|imt|agent|oas)-[A-Za-z0-9_-]{20,}/g },
  { kind: 'SLACK_TOKEN', pattern: /\bxox[abposre]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Za-z0-9-]{10,}|https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/+-]{20,}/g },
  { kind: 'STRIPE_KEY', pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,99}\b|\bwhsec_[A-Za-z0-9]{24,}\b/g },
  { kind: 'ANTHROPIC_KEY', pattern: /\bsk-ant-(?:api|admin|oat|sid)\d{0,3}-[A-Za-z0-9_-]{32,}/g },
  { kind: 'OPENAI_KEY', pattern: /\bsk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{40,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})/g },
  { kind: 'GOOGLE_API_KEY', pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: 'GOOGLE_SECRET', pattern: /\bGOCSPX-[A-Za-z0-9_-]{28}|\bya29\.[A-Za-z0-9_-]{30,}/g },
  { kind: 'JWT', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g },
  { kind: 'API_KEY', pattern: /\b(?:npm_[A-Za-z0-9]{36}|hf_[A-Za-z]{34}|gsk_[A-Za-z0-9]{48,}|xai-[A-Za-z0-9]{60,}|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}|dop_v1_[a-f0-9]{64}|shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}|lin_api_[A-Za-z0-9]{40}|pypi-AgE[A-Za-z0-9_-]{50,})\b/g },
  // user:password@ in a connection string or URL: only the password goes.
  { kind: 'PASSWORD', pattern: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@"'<>]{1,64}:([^\s@/"'<>]{3,128})@[A-Za-z0-9.-]/g, group: 1, accept: (value) => !value.startsWith('$') && !value.startsWith('{') },
  // `.env` lines and shell exports: an upper-case name naming a credential, any value.
  {
    kind: 'SECRET',
    pattern: new RegExp(String.raw`(?:^|[\n;]|\\n)[ \t]*(?:export[ \t]+)?[A-Z0-9_]*(?:PASSWORD|PASSWD|PASSPHRASE|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH|DSN)[A-Z0-9_]*[ \t]*=[ \t]*["']?([^\s"'\\]{3,})`, 'g'),
    group: 1,
    accept: (value) => !value.startsWith('$') && !/^(?:true|false|null|none|changeme|xxx+|\*+)$/i.test(value),
  },
  // `password = "…"`, `"apiKey": "…"`, `secret: '…'` in code and config: a quoted literal only,
  // so `password = getPassword()` and `token: string` stay.
  {
    kind: 'SECRET',
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9])["']?${secretName}["']?\s*(?:=|:|=>|:=)\s*(?:\\?["'])([^"'\s\\]{6,200})\\?["']`, 'gi'),
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
