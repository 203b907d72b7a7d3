/**
 * Corpora for the detectors' recall and false-positive tests: realistic secrets and personal data
 * in the contexts agents paste them in (.env files, shell, code, JSON, prose), and ordinary source
 * code full of things that look random (hashes, UUIDs, base64 test data, ids, versions). Values
 * are generated from a seeded generator in each format's real shape, so the corpus is large,
 * fixed, and holds no real credential.
 */

let seed = 0x5eed;
function random(): number {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const upper = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const lower = 'abcdefghijklmnopqrstuvwxyz';
const digits = '0123456789';
const alnum = upper + lower + digits;
const base64url = alnum + '-_';
function pick(alphabet: string, length: number): string {
  let text = '';
  for (let index = 0; index < length; index += 1) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}
function oneOf<T>(items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A secret value and the text it is embedded in. */
export interface Sample {
  value: string;
  text: string;
  kind: string;
}

const secretShapes: Array<[kind: string, make: () => string]> = [
  ['aws access key', () => oneOf(['AKIA', 'ASIA']) + pick(upper + '234567', 16)],
  ['aws example key', () => 'AKIAIOSFODNN7EXAMPLE'],
  ['github token', () => oneOf(['ghp_', 'gho_', 'ghs_', 'ghu_']) + pick(alnum, 36)],
  ['github fine-grained', () => 'github_pat_' + pick(alnum, 22) + '_' + pick(alnum, 59)],
  ['gitlab token', () => 'glpat-' + pick(base64url, 20)],
  ['slack token', () => oneOf(['xoxb-', 'xoxp-']) + pick(digits, 12) + '-' + pick(digits, 13) + '-' + pick(alnum, 24)],
  ['slack webhook', () => `https://hooks.slack.com/services/T${pick(upper + digits, 8)}/B${pick(upper + digits, 10)}/${pick(alnum, 24)}`],
  ['stripe key', () => oneOf(['sk_live_', 'sk_test_', 'rk_live_']) + pick(alnum, 24 + Math.floor(random() * 75))],
  ['openai project key', () => 'sk-proj-' + pick(base64url, 156)],
  ['openai legacy key', () => 'sk-' + pick(alnum, 20) + 'T3BlbkFJ' + pick(alnum, 20)],
  ['anthropic key', () => 'sk-ant-api03-' + pick(base64url, 93) + 'AA'],
  ['google api key', () => 'AIza' + pick(base64url, 35)],
  ['jwt', () => 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ' + pick(base64url, 40) + '.' + pick(base64url, 43)],
  ['npm token', () => 'npm_' + pick(alnum, 36)],
  ['hugging face token', () => 'hf_' + pick(upper + lower, 34)],
  ['groq key', () => 'gsk_' + pick(alnum, 52)],
];

const pemKey = (): string =>
  `-----BEGIN ${oneOf(['RSA ', 'EC ', 'OPENSSH ', ''])}PRIVATE KEY-----\n${Array.from({ length: 6 }, () => pick(alnum + '+/', 64)).join('\n')}\n-----END ${'RSA '}PRIVATE KEY-----`;

function inContext(value: string, name: string): string {
  return oneOf([
    `${name}=${value}`,
    `export ${name}="${value}"`,
    `const token = "${value}";`,
    `{"${name.toLowerCase()}": "${value}", "region": "us-east-1"}`,
    `Here is my config, the key is ${value} and it fails with 401.`,
    `  ${name.toLowerCase()}: '${value}'`,
    `curl -H "Authorization: Bearer ${value}" https://api.example.com/v1/things`,
  ]);
}

/** Realistic secrets: every credential format the issue names, in every context. */
export function secretSamples(count = 600): Sample[] {
  const samples: Sample[] = [];
  for (let index = 0; index < count; index += 1) {
    const choice = index % (secretShapes.length + 5);
    if (choice < secretShapes.length) {
      const [kind, make] = secretShapes[choice]!;
      const value = make();
      samples.push({ kind, value, text: inContext(value, oneOf(['API_KEY', 'TOKEN', 'SERVICE_KEY', 'AUTH_TOKEN'])) });
      continue;
    }
    switch (choice - secretShapes.length) {
      case 0: {
        const value = pemKey();
        samples.push({ kind: 'pem private key', value, text: `Here is the deploy key:\n${value}\n` });
        break;
      }
      case 1: {
        const value = pick(alnum, 8 + Math.floor(random() * 16)) + oneOf(['!', '#', '2', 'x']);
        samples.push({ kind: '.env password', value, text: `NODE_ENV=production\n${oneOf(['DB_PASSWORD', 'POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'SMTP_PASS_SECRET'])}=${value}\nPORT=3000` });
        break;
      }
      case 2: {
        const value = pick(alnum + '!@#%^&*', 12 + Math.floor(random() * 12));
        samples.push({ kind: 'password assignment', value, text: oneOf([`password = "${value}"`, `db.connect({ user: 'app', password: '${value}' })`, `"client_secret": "${value}"`, `secret_key = '${value}'`]) });
        break;
      }
      case 3: {
        const value = pick(upper + lower + digits + '/+', 40);
        samples.push({ kind: 'aws secret key', value, text: `aws_secret_access_key = ${value}` });
        break;
      }
      default: {
        const value = pick(alnum, 16);
        samples.push({ kind: 'url password', value, text: `DATABASE_URL=postgres://app:${value}@db.internal:5432/app` });
      }
    }
  }
  return samples;
}

/**
 * Credentials in the assignment forms the raw-body prefilter tells from ordinary `=` and `:` by
 * their neighbours (a quote after the operator, a `…key` or a `.env` name before it): every
 * operator (`=`, `:`, `=>`, `:=`), blanks (tabs, a newline, a non-breaking space) and quotes
 * (single, double, around the name). The recall and prefilter tests hold each of them.
 */
export function assignmentSamples(): Sample[] {
  const samples: Sample[] = [];
  for (let round = 0; round < 3; round += 1) {
    const value = pick(alnum, 18) + '7x';
    const awsValue = pick(upper + lower + digits + '/+', 40);
    const forms: Array<[kind: string, value: string, text: string]> = [
      ['aws secret key, tabs', awsValue, `aws_secret_access_key\t=\t${awsValue}`],
      ['aws secret key, yaml', awsValue, `AWS_SECRET_ACCESS_KEY: "${awsValue}"`],
      ['aws secret key, php', awsValue, `"aws_secret_access_key" => '${awsValue}'`],
      ['php array', value, `  'api_key' => '${value}',`],
      ['go short declaration', value, `password := "${value}"`],
      ['.env with tabs', value, `DB_PASSWORD\t=\t${value}`],
      ['shell export with blanks', value, `export API_TOKEN = ${value}`],
      ['.env quoted', value, `PASSWORD="${value}"`],
      ['value on the next line', value, `secret_key =\n    "${value}"`],
      ['non-breaking space', value, `token:\u00a0'${value}'`],
      ['json key, no blank', value, `{"clientSecret":"${value}"}`],
      ['kebab name', value, `api-key = '${value}'`],
      ['upper-case constant', value, `const AUTH = '${value}';`],
      // An array's or a map's element: a `]` between the name and the operator.
      ['php array element', value, `$config['api_key'] => '${value}',`],
      ['python dict item', value, `settings["SECRET_KEY"] = "${value}"`],
      ['javascript index', value, `headers['x-api-key'] = '${value}';`],
      // An operator right after punctuation is not looked at (`+=`, `?:`, `!=`): these are the
      // forms where the byte before an operator that is looked at is another operator or a bracket.
      ['.env value starting with =', `=${value}`, `export DB_PASSWORD==${value}`],
      ['aws secret key after ==', `=${awsValue.slice(1)}`, `aws_secret_access_key==${awsValue.slice(1)}`],
      ['url after a bracket', value, `dial(://svc:${value}@db.internal)`],
      ['element, no blanks', value, `env['API_TOKEN']='${value}'`],
    ];
    for (const [kind, secret, text] of forms) samples.push({ kind, value: secret, text });
  }
  return samples;
}

/** The texts of {@link assignmentSamples}. */
export function assignmentForms(): string[] {
  return assignmentSamples().map((sample) => sample.text);
}

function luhnComplete(prefix: string, length: number): string {
  let digitsSoFar = prefix + pick(digits, length - prefix.length - 1);
  for (let check = 0; check < 10; check += 1) {
    const candidate = digitsSoFar + check;
    let sum = 0;
    for (let index = 0; index < candidate.length; index += 1) {
      let digit = Number(candidate[candidate.length - 1 - index]);
      if (index % 2 === 1) {
        digit *= 2;
        if (digit > 9) digit -= 9;
      }
      sum += digit;
    }
    if (sum % 10 === 0) return candidate;
  }
  return digitsSoFar;
}

function ibanFor(country: string, length: number, bank = ''): string {
  const bban = bank + pick(digits, length - 4 - bank.length);
  const numeric = (bban + country + '00').replace(/[A-Z]/g, (letter) => String(letter.charCodeAt(0) - 55));
  let remainder = 0;
  for (const digit of numeric) remainder = (remainder * 10 + Number(digit)) % 97;
  const check = String(98 - remainder).padStart(2, '0');
  return country + check + bban;
}

/** Realistic personal data in fixtures, logs and prose. */
export function piiSamples(count = 500): Sample[] {
  const samples: Sample[] = [];
  const names = ['jane.doe', 'j.smith', 'alex+test', 'maria_garcia', 'o.brien', 'li.wei88'];
  const domains = ['example.com', 'acme-corp.io', 'mail.co.uk', 'university.edu', 'startup.dev'];
  for (let index = 0; index < count; index += 1) {
    switch (index % 5) {
      case 0: {
        const value = `${oneOf(names)}${Math.floor(random() * 100)}@${oneOf(domains)}`;
        samples.push({ kind: 'email', value, text: oneOf([`Contact: ${value}`, `{"email": "${value}", "id": 42}`, `user = User(email='${value}')`, `<${value}>`]) });
        break;
      }
      case 1: {
        const value = oneOf([
          () => `+1 ${pick(digits, 3)}-555-${pick(digits, 4)}`,
          () => `(${oneOf(['415', '212', '646'])}) 555-${pick(digits, 4)}`,
          () => `+44 20 ${pick(digits, 4)} ${pick(digits, 4)}`,
          () => `+49 30 ${pick(digits, 8)}`,
          () => `+33 6 ${pick(digits, 2)} ${pick(digits, 2)} ${pick(digits, 2)} ${pick(digits, 2)}`,
          () => `020 ${pick(digits, 4)} ${pick(digits, 4)}`,
          () => `${oneOf(['415', '212'])}.555.${pick(digits, 4)}`,
        ])();
        samples.push({ kind: 'phone', value, text: oneOf([`Call me at ${value} tomorrow`, `"phone": "${value}"`, `phone=${value}`]) });
        break;
      }
      case 2: {
        const raw = oneOf([() => luhnComplete('4', 16), () => luhnComplete('5' + oneOf(['1', '3', '5']), 16), () => luhnComplete('37', 15), () => luhnComplete('6011', 16)])();
        const value = random() < 0.5 ? raw : raw.replace(/(\d{4})(?=\d)/g, '$1 ');
        samples.push({ kind: 'card', value, text: oneOf([`card: ${value}`, `{"number": "${value}", "exp": "12/29"}`, `Charge ${value} for $20`]) });
        break;
      }
      case 3: {
        const raw = oneOf([() => ibanFor('DE', 22), () => ibanFor('GB', 22, 'NWBK'), () => ibanFor('FR', 27), () => ibanFor('NL', 18)])();
        const value = random() < 0.5 ? raw : raw.replace(/(.{4})(?=.)/g, '$1 ');
        samples.push({ kind: 'iban', value, text: `Please wire it to ${value} by Friday.` });
        break;
      }
      default: {
        const value = random() < 0.8 ? `${10 + Math.floor(random() * 200)}.${Math.floor(random() * 255)}.${Math.floor(random() * 255)}.${1 + Math.floor(random() * 250)}` : `2001:db8:${pick('0123456789abcdef', 4)}::${pick('0123456789abcdef', 3)}`;
        samples.push({ kind: 'ip', value, text: oneOf([`Connection from ${value} refused`, `"client_ip": "${value}"`, `ssh admin@${value}`.replace('admin@', 'admin at ')]) });
      }
    }
  }
  return samples;
}

const uuid = (): string => `${pick('0123456789abcdef', 8)}-${pick('0123456789abcdef', 4)}-4${pick('0123456789abcdef', 3)}-a${pick('0123456789abcdef', 3)}-${pick('0123456789abcdef', 12)}`;
const hex = (length: number): string => pick('0123456789abcdef', length);
const base64 = (length: number): string => pick(alnum + '+/', length) + '==';

/** Ordinary source code: lines that must not be flagged. */
export function ordinaryCode(count = 2000): string[] {
  const makers: Array<() => string> = [
    () => `const id = '${uuid()}';`,
    () => `expect(sha256(input)).toBe('${hex(64)}');`,
    () => `commit ${hex(40)}`,
    () => `const fixture = Buffer.from('${base64(88)}', 'base64');`,
    () => `"integrity": "sha512-${base64(86)}"`,
    () => `  "version": "${Math.floor(random() * 10)}.${Math.floor(random() * 30)}.${Math.floor(random() * 30)}",`,
    () => `const timestamp = ${1700000000000 + Math.floor(random() * 1e10)};`,
    () => `color: #${hex(6)};`,
    () => `server.listen(${1024 + Math.floor(random() * 60000)}, '127.0.0.1');`,
    () => `const password = await prompt('Password: ');`,
    () => `function validateToken(token: string): boolean { return token.length > 0; }`,
    () => `const apiKey = process.env.OPENAI_API_KEY;`,
    () => `if (user.password !== hash(password)) throw new Error('invalid password');`,
    () => `secret: string;`,
    () => `@Component({ selector: 'app-root', templateUrl: './app.component.html' })`,
    () => `import { foo } from '@scope/package-${pick(lower, 5)}';`,
    () => `AssemblyVersion("1.0.${Math.floor(random() * 9)}.0")`,
    () => `for (let i = 0; i < ${Math.floor(random() * 1000)}; i++) total += values[i] * ${random().toFixed(4)};`,
    () => `std::vector<int> items = { ${Math.floor(random() * 100)}, ${Math.floor(random() * 100)} };`,
    () => `const etag = '"${hex(32)}"';`,
    () => `ORDER BY created_at DESC LIMIT ${Math.floor(random() * 100)}`,
    () => `const matrix = [[${random().toFixed(3)}, ${random().toFixed(3)}], [${random().toFixed(3)}, 1]];`,
    () => `git checkout -b feature/${pick(lower, 8)}`,
    () => `// See https://github.com/org/repo/blob/${hex(40)}/src/index.ts#L${Math.floor(random() * 500)}`,
    () => `const token = tokenizer.next();`,
    () => `const key = \`cache:\${userId}:\${hash}\`;`,
    () => `const nonce = crypto.randomBytes(16).toString('hex'); // e.g. ${hex(32)}`,
    () => `bytes: [${Array.from({ length: 8 }, () => Math.floor(random() * 256)).join(', ')}]`,
    () => `time=2024-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}T12:3${Math.floor(random() * 9)}:00Z level=info msg="started"`,
    () => `docker pull node@sha256:${hex(64)}`,
  ];
  return Array.from({ length: count }, (_, index) => makers[index % makers.length]!());
}
