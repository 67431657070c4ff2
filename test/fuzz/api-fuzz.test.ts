// Schemathesis against the API from its own /openapi.json (real Temporal, PostgreSQL and the
// simulator behind it): no server error, every status it meets documented, 405 with `Allow` for
// a method a path does not declare. A bounded budget with a fixed seed in CI; FUZZ_EXAMPLES and
// FUZZ_SEED run a larger one. The drills' POSTs are left out (they drive libvirt).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, type Platform } from '../platform/harness';
import { startPool, testPoolConfig } from '../platform/pool-fixture';
import { ensureSchemathesis, failureSection, runSchemathesis } from './schemathesis';

const MAX_EXAMPLES = Number(process.env.FUZZ_EXAMPLES ?? 5);
const SEED = Number(process.env.FUZZ_SEED ?? 20261128);

let p: Platform;
let st: string;
beforeAll(async () => {
  st = ensureSchemathesis();
  p = await startPool(testPoolConfig());
});
afterAll(async () => {
  await p?.close();
});

describe('the API under Schemathesis', () => {
  it('answers every generated case without a server error, with documented statuses only', async () => {
    const result = await runSchemathesis(st, {
      apiUrl: p.apiUrl,
      token: API_TOKEN,
      maxExamples: MAX_EXAMPLES,
      seed: SEED,
      exclude: ['POST /v1/drills', 'POST /v1/drills/{id}/cancel'],
    });
    console.log(
      `[fuzz] seed ${SEED}, ${MAX_EXAMPLES} examples per operation: ${result.cases} cases, ` +
        `${result.failures.length} failures, exit ${result.exitCode}`,
    );
    const log = join(tmpdir(), `blockflow-fuzz-${SEED}.log`);
    writeFileSync(log, result.output);
    if (result.exitCode !== 0) console.log(`${failureSection(result.output)}\n(full output: ${log})`);
    expect(result.failures).toEqual([]);
    expect(result.exitCode).toBe(0);
  }, 600_000);
});
