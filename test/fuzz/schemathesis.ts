// Runs Schemathesis (pinned, installed by scripts/ensure-schemathesis.sh) against a running API,
// from the API's own /openapi.json, and reads back what it found.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The checks the API must pass: no 5xx, only documented statuses, 405 with `Allow` for other methods. */
export const FUZZ_CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'unsupported_method',
  'allow_header_conformance',
];

export interface FuzzOptions {
  apiUrl: string;
  token: string;
  /** Cases per operation (Schemathesis --max-examples). */
  maxExamples: number;
  seed: number;
  /** Operations left out, as Schemathesis --exclude-name values ("POST /v1/drills"). */
  exclude: string[];
}

export interface FuzzResult {
  exitCode: number;
  output: string;
  junit: string;
  /** Test cases Schemathesis sent (from its summary), and its failures by kind ("ST103 …: 2"). */
  cases: number;
  failures: string[];
}

export function ensureSchemathesis(): string {
  return execFileSync('bash', ['scripts/ensure-schemathesis.sh'], { encoding: 'utf8' }).trim();
}

export async function runSchemathesis(st: string, o: FuzzOptions): Promise<FuzzResult> {
  const dir = mkdtempSync(join(tmpdir(), 'blockflow-fuzz-'));
  const junitPath = join(dir, 'junit.xml');
  const args = [
    'run',
    `${o.apiUrl}/openapi.json`,
    '--url',
    o.apiUrl,
    '-H',
    `Authorization: Bearer ${o.token}`,
    '--checks',
    FUZZ_CHECKS.join(','),
    '--max-examples',
    String(o.maxExamples),
    '--seed',
    String(o.seed),
    '--workers',
    '1',
    '--no-color',
    '--continue-on-failure',
    '--generation-database',
    'none',
    '--report',
    'junit',
    '--report-junit-path',
    junitPath,
    '--request-timeout',
    '30',
    ...o.exclude.flatMap((name) => ['--exclude-name', name]),
  ];
  let run: { code: number; output: string; junit: string };
  try {
    run = await runIn(dir, st, args, junitPath);
  } finally {
    rmSync(dir, { recursive: true, force: true }); // the report is read; the run's cache goes with it
  }
  const { code, output, junit } = run;
  // The summary: "Test cases: N generated, M found M unique failures" and "❌ ST103 <what>: K" per kind.
  const cases = Number(/(\d+) generated/.exec(output)?.[1] ?? NaN);
  const summary = output.slice(output.lastIndexOf('SUMMARY'));
  const failures = [...summary.matchAll(/❌ (ST\d+ [^:\n]+): (\d+)/g)].map((m) => `${m[1]}: ${m[2]}`);
  return { exitCode: code, output, junit, cases, failures };
}

/** Schemathesis run in `dir` (it keeps a cache, .schemathesis/, in its working directory): its output, its report. */
async function runIn(dir: string, st: string, args: string[], junitPath: string) {
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(st, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1', PYTHONUNBUFFERED: '1' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? -1, output: out }));
  });
  let junit = '';
  try {
    junit = readFileSync(junitPath, 'utf8');
  } catch {
    /* no report: the output says why */
  }
  return { code, output, junit };
}

/** Schemathesis's FAILURES section (each case, its check and a curl to reproduce it), bounded. */
export function failureSection(output: string, maxChars = 20_000): string {
  const start = output.indexOf('FAILURES');
  const end = output.indexOf('WARNINGS', start);
  return output.slice(Math.max(0, start), end > start ? end : undefined).slice(0, maxChars);
}
