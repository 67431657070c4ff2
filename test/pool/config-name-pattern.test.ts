// The snapshot naming rule in the pool's config file (the start-up path) is bounded as the API's
// PATCH bounds it (issue 20 review, finding 4): a pattern that backtracks for ever on a name that
// almost matches would stall the worker whichever way it came in.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/settings';
import { readPoolConfig } from '../../pool/settings';

const dir = mkdtempSync(join(tmpdir(), 'blockflow-pool-pattern-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = (snapshotNamePattern: string) => {
  const path = join(dir, 'pool.json');
  writeFileSync(
    path,
    JSON.stringify({
      ...{ volumeTypes: ['sas'], osHighDemand: ['Debian9'], osLowDemand: [], targetHighDemand: 1 },
      ...{ targetLowDemand: 0, replenishIntervalSeconds: 60, reconcileIntervalSeconds: 15, createIntervalSeconds: 1 },
      ...{ throttleMode: 'fixed', snapshotNamePattern },
    }),
  );
  return path;
};

describe('readPoolConfig: snapshotNamePattern', () => {
  it.each([
    ['nested quantifiers', '^sysdisk-(?<type>(a+)+)-(?<os>.+)$', /repeated/],
    ['too many quantifiers', '^a?a?a?a?a?(?<type>a+)-(?<os>.+)$', /quantifiers/],
    ['a back-reference', '^(?<type>a+)-(?<os>.+)\\1$', /back-references/],
  ])('with %s is refused at start-up in one line naming the field', (_what, pattern, why) => {
    const file = config(pattern);
    let error: unknown;
    try {
      readPoolConfig(file);
    } catch (err) {
      error = err;
    }
    // A ConfigError: the start command prints its message alone, on one line, as a bad setting.
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.startsWith(`${file}: snapshotNamePattern: `), message).toBe(true);
    expect(message).toMatch(why);
    expect(message).not.toContain('\n');
  });

  it('a bounded pattern, as shipped, is read', () => {
    expect(readPoolConfig(config('^sysdisk-(?<type>[a-z0-9]+)-(?<os>.+)$')).snapshotNamePattern).toContain('sysdisk');
  });
});
