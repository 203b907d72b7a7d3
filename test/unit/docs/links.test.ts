import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The README is what the Marketplace and VS Code's Extensions view show, and they cannot follow a
 * link out of the packaged extension; the docs are read in a checkout. So every link in the
 * README, CONTRIBUTING, the changelog, docs/ and bench/ must point at a file (and heading) inside
 * the repository — never at a web page or outside the repository.
 */
const root = path.resolve(__dirname, '../../..');

function documents(): string[] {
  const files = ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md'].filter((file) => existsSync(path.join(root, file)));
  for (const folder of ['docs', 'bench']) {
    for (const name of readdirSync(path.join(root, folder))) if (name.endsWith('.md')) files.push(`${folder}/${name}`);
  }
  return files;
}

/** The text without fenced code blocks and inline code, where brackets are not links. */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Inline links and images `[text](target)`, and reference definitions `[name]: target`. */
function linkTargets(text: string): string[] {
  const body = prose(text);
  const targets: string[] = [];
  for (const match of body.matchAll(/!?\[(?:[^\][]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(match[1]!);
  for (const match of body.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) targets.push(match[1]!);
  for (const match of body.matchAll(/<(https?:\/\/[^>\s]+)>/g)) targets.push(match[1]!);
  return targets;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const match of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = match[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

describe('links in the README and docs stay inside the repository', () => {
  for (const file of documents()) {
    it(file, () => {
      const text = readFileSync(path.join(root, file), 'utf8');
      const broken: string[] = [];
      for (const target of linkTargets(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
          broken.push(`${target}: points outside the repository`);
          continue;
        }
        const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
        const resolved = pathPart === '' ? path.join(root, file) : path.resolve(path.dirname(path.join(root, file)), decodeURIComponent(pathPart));
        if (path.relative(root, resolved).startsWith('..')) {
          broken.push(`${target}: points outside the repository`);
          continue;
        }
        if (!existsSync(resolved)) {
          broken.push(`${target}: no such file`);
          continue;
        }
        if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md') && statSync(resolved).isFile() && !anchors(readFileSync(resolved, 'utf8')).has(anchor)) {
          broken.push(`${target}: no heading #${anchor}`);
        }
      }
      assert.deepEqual(broken, [], `${file}:\n${broken.join('\n')}`);
    });
  }

  it('finds links of every form it checks', () => {
    assert.deepEqual(linkTargets('[a](docs/x.md) ![b](media/y.png "t") `[c](no.md)`\n[d]: ../z.md\n<https://e.example>'), ['docs/x.md', 'media/y.png', '../z.md', 'https://e.example']);
    assert.ok(anchors('## End-to-end tests: the extension in a real VS Code\n').has('end-to-end-tests-the-extension-in-a-real-vs-code'));
  });
});
