// Docs that cannot drift (issue 21): every repository path a README or docs file names, and every relative link,
// exists in the tree. The rule, in full in doc-paths.ts's header:
// - a path is a word of an inline code span (`pool/claim.ts`, `servers/`, `node --import tsx bench/y.ts`), or of
//   prose when it has a "/", that ends in "/" or a file extension, or whose first segment is a folder of the tree
//   (`prisma/client`); fenced code blocks, URL paths (`/v1/pool`), npm packages (`@temporalio/...`), `POST/GET`
//   and what .gitignore names (`.data/…`, run-time output) are not read as paths;
// - it exists relative to the Markdown file's folder (activities/README.md's `pool.ts`) or to the repository root
//   (`activities/pool/pool.ts` anywhere); "x/" must be a folder, a name without an extension may be a module
//   (`prisma/client`), a "*" is a glob that must match a file;
// - links resolve from the file's folder, and a #fragment names a heading of the target.
// A failure names the file, the line and the missing path.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDoc, describeFinding, docFiles } from './doc-paths';

const root = path.resolve(import.meta.dirname, '../..');

describe('docs name only what exists', () => {
  it('every path and link in every Markdown file of the tree resolves', () => {
    const files = docFiles(root);
    expect(files).toContain('README.md');
    const findings = files.flatMap((f) => checkDoc(root, f, fs.readFileSync(path.join(root, f), 'utf8')));
    expect(findings.map(describeFinding)).toEqual([]);
  });

  it('control: a missing file, folder, glob, link, heading and prose path are each reported with their line', () => {
    const text = [
      '# Title',
      'The preflight is in `activities/drills/preflight.ts`, the shutdown in `worker/main.ts`.',
      'Routes live in `api/routes/` and `api/handlers/`; suites: `test/nothing/*.test.ts`.',
      '```',
      '`fenced/not-read.ts`',
      '```',
      'See [the pool](pool/README.md), [gone](docs/gone.md) and [a section](README.md#no-such-heading).',
      "Released on the worker's shutdown (bin/start.ts, worker/shutdown.ts).",
    ].join('\n');
    expect(checkDoc(root, 'README.md', text).map(describeFinding)).toEqual([
      'README.md:2: `worker/main.ts` not found in the repository root',
      'README.md:3: `api/handlers/` not found in the repository root',
      'README.md:3: `test/nothing/*.test.ts` not found in the repository root',
      'README.md:7: `docs/gone.md` link target not found (from ./)',
      'README.md:7: `README.md#no-such-heading` no heading #no-such-heading in README.md',
      'README.md:8: `worker/shutdown.ts` not found in the repository root',
    ]);
  });

  it("control: a folder README's own names resolve from its folder, and what is not a path is not read", () => {
    const text = [
      '- `pool/pool.ts` binds `pool/`; `volumes/` here is `activities/volumes/`.',
      'Not paths: `/v1/pool`, `.data/api-token`, `@temporalio/workflow`, `sim@<type>#pool`, `os-quota-sets/{p}`,',
      '`npm start -- --role worker`, `~/.cache/blockflow/`, `1.5,2.5`, `POST/GET`, `scheduler-stats/get_pools`,',
      'read/write and hit/miss in prose; a module: `prisma/client`; a glob: `*.ts`; in prose: drills/drills.ts.',
    ].join('\n');
    expect(checkDoc(root, 'activities/README.md', text).map(describeFinding)).toEqual([]);
    expect(checkDoc(root, 'README.md', '`pool.ts` is not at the root').map(describeFinding)).toEqual([
      'README.md:1: `pool.ts` not found in the repository root',
    ]);
  });
});
