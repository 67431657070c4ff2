// Finds the repository paths a Markdown file names and the ones that do not exist. The rule (readme-paths.test.ts
// states it for readers):
// - Read: every whitespace-separated word of an inline code span (`like/this.ts`, also `node --import tsx
//   bench/claims.ts`), and the words of prose that contain a "/" (bin/start.ts in a sentence); fenced blocks
//   (sample output, commands) are not read. A word is made of [A-Za-z0-9_.*/-] and does not start with "/" (URL
//   paths), "~" or "-"; so `@temporalio/workflow`, `sim@<type>`, `os-quota-sets/{id}` are not paths.
// - A path: a word ending in "/" or in a file extension of the tree, or one with a "/" whose first segment is a
//   folder at the repository root or in the Markdown file's folder (`prisma/client` is, `scheduler-stats/get_pools`
//   and `POST/GET` are not). What .gitignore names (run-time output: `.data/api-token`) is not in the tree.
// - Exists: relative to the Markdown file's folder or to the repository root, whichever the text means; a word
//   ending in "/" must be a folder; one without an extension may be a module specifier (`prisma/client`: tried with
//   ".ts" and "/index.ts"); one with "*" is a glob that must match at least one file.
// - Links: [text](target) and images resolve from the file's folder, as GitHub renders them; a #fragment must be a
//   heading of the target.
import fs from 'node:fs';
import path from 'node:path';

export interface Finding {
  file: string;
  line: number;
  path: string;
  why: string;
}

const EXTENSIONS = /\.(ts|js|mjs|json|md|sh|txt|prisma|png|html|css|sql|yml|yaml|py|xml|conf)$/;
const PATH_CHARS = /^[A-Za-z0-9_.*/-]+$/;
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.data', 'generated', 'coverage']);

/** Every Markdown file of the tree, relative to root, sorted. */
export function docFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !SKIPPED_DIRS.has(e.name)) walk(child);
      else if (e.isFile() && e.name.endsWith('.md')) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** Lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(text: string): { line: number; text: string }[] {
  let fenced = false;
  const out: { line: number; text: string }[] = [];
  text.split('\n').forEach((t, i) => {
    if (/^\s*(```|~~~)/.test(t)) fenced = !fenced;
    else if (!fenced) out.push({ line: i + 1, text: t });
  });
  return out;
}

interface WordRules {
  /** Whether a first segment names a folder (at the root or in the Markdown file's folder). */
  isFolder: (segment: string) => boolean;
  ignored: (p: string) => boolean;
}

function pathIn(raw: string, rules: WordRules, prose: boolean): string | undefined {
  const word = raw.replace(prose ? /^[("'[*_]+|[)"',;:.\]*_]+$/g : /^[("'[]+|[)"',;:.\]]+$/g, '');
  if (!PATH_CHARS.test(word) || /^[/~-]/.test(word) || word.includes('//')) return undefined;
  if (prose && !word.includes('/')) return undefined;
  const shaped = word.endsWith('/') || EXTENSIONS.test(word);
  if (!shaped && !(word.includes('/') && rules.isFolder(word.split('/')[0]))) return undefined;
  return rules.ignored(word) ? undefined : word;
}

/** The repository paths a Markdown text names (see the header), with their lines. */
export function namedPaths(text: string, rules: WordRules) {
  const out: { line: number; path: string }[] = [];
  const add = (line: number, words: string, prose: boolean) => {
    for (const raw of words.split(/\s+/)) {
      const p = raw && pathIn(raw, rules, prose);
      if (p) out.push({ line, path: p });
    }
  };
  for (const { line, text: t } of proseLines(text)) {
    for (const span of t.matchAll(/(`+)(.+?)\1/g)) add(line, span[2], false);
    add(line, t.replace(/(`+).+?\1/g, ' ').replace(/\]\([^)]*\)/g, '] '), true);
  }
  return out;
}

/** Relative link and image targets, without the "<", ">" or title Markdown allows around them. */
export function linkTargets(text: string) {
  const out: { line: number; target: string }[] = [];
  for (const { line, text: t } of proseLines(text)) {
    const prose = t.replace(/(`+).+?\1/g, '');
    for (const m of prose.matchAll(/\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(m[1])) out.push({ line, target: m[1] });
    }
  }
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to "-". */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsIn(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { text: t } of proseLines(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*$/.exec(t);
    if (!m) continue;
    const base = anchorOf(m[1].replace(/`/g, ''));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function globMatches(root: string, base: string, glob: string): boolean {
  const dir = path.join(root, base, path.dirname(glob));
  if (path.dirname(glob).includes('*') || !fs.existsSync(dir)) return false;
  const re = new RegExp(
    `^${path
      .basename(glob)
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return fs.readdirSync(dir).some((name) => re.test(name));
}

function resolves(root: string, folder: string, p: string): boolean {
  return [folder, ''].some((base) => {
    if (p.includes('*')) return globMatches(root, base, p);
    const full = path.join(root, base, p);
    if (p.endsWith('/')) return fs.existsSync(full) && fs.statSync(full).isDirectory();
    if (fs.existsSync(full)) return true;
    return !EXTENSIONS.test(p) && (fs.existsSync(`${full}.ts`) || fs.existsSync(path.join(full, 'index.ts')));
  });
}

/** .gitignore's entries as a predicate: what a run writes, not part of the tree. */
export function gitIgnored(root: string): (p: string) => boolean {
  const file = path.join(root, '.gitignore');
  const rules = fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [];
  return (p) =>
    rules.some((r) => {
      const rule = r.replace(/^\//, '');
      if (rule.endsWith('/')) return p === rule || p.startsWith(rule) || `${p}/` === rule;
      if (rule.includes('*')) return new RegExp(`^${rule.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`).test(p);
      return p === rule;
    });
}

/** What `file` (relative to root, its text given) names that the tree does not have. */
export function checkDoc(root: string, file: string, text: string, ignored = gitIgnored(root)): Finding[] {
  const folder = path.dirname(file) === '.' ? '' : path.dirname(file);
  const where = folder ? `the repository root or ${folder}/` : 'the repository root';
  const isDir = (p: string) => fs.existsSync(p) && fs.statSync(p).isDirectory();
  const rules: WordRules = {
    isFolder: (segment) => isDir(path.join(root, segment)) || isDir(path.join(root, folder, segment)),
    ignored: (p) => ignored(p) || (folder !== '' && ignored(`${folder}/${p}`)),
  };
  const findings: Finding[] = namedPaths(text, rules)
    .filter(({ path: p }) => !resolves(root, folder, p))
    .map(({ line, path: p }) => ({ file, line, path: p, why: `not found in ${where}` }));
  for (const { line, target } of linkTargets(text)) {
    const [target_, fragment] = target.split('#');
    const full = target_ ? path.join(root, folder, decodeURI(target_)) : path.join(root, file);
    if (!fs.existsSync(full)) {
      findings.push({ file, line, path: target, why: `link target not found (from ${folder || '.'}/)` });
    } else if (fragment && full.endsWith('.md') && !anchorsIn(fs.readFileSync(full, 'utf8')).has(fragment)) {
      findings.push({ file, line, path: target, why: `no heading #${fragment} in ${path.relative(root, full)}` });
    }
  }
  return findings.sort((a, b) => a.line - b.line);
}

export function describeFinding(f: Finding): string {
  return `${f.file}:${f.line}: \`${f.path}\` ${f.why}`;
}
