// The pool's config file: the project's names, or seed 001's names mapped to them at load.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPoolConfig } from '../../pool/settings';

const dir = mkdtempSync(join(tmpdir(), 'blockflow-pool-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (body: object) => {
  const path = join(dir, `pool-${n++}.json`);
  writeFileSync(path, JSON.stringify(body));
  return path;
};
const common = {
  volumeTypes: ['sas'],
  throttleMode: 'fixed',
  snapshotNamePattern: '^sysdisk-(?<type>[a-z]+)-(?<os>.+)$',
};
const projectNames = {
  ...common,
  osHighDemand: ['Debian9'],
  osLowDemand: ['Centos7'],
  targetHighDemand: 3,
  targetLowDemand: 1,
  replenishIntervalSeconds: 60,
  reconcileIntervalSeconds: 15,
  createIntervalSeconds: 2.5,
};

describe('readPoolConfig', () => {
  it('reads the shipped config/pool.json', () => {
    expect(readPoolConfig(join(import.meta.dirname, '../../config/pool.json')).volumeTypes.length).toBeGreaterThan(0);
  });

  it("maps seed 001's names to the project's", () => {
    const seedNames = {
      ...common,
      osMore: ['Debian9'],
      osLess: ['Centos7'],
      backupNumsMore: 3,
      backupNumsLess: 1,
      backupFrequencySeconds: 60,
      checkStateFrequencySeconds: 15,
      createVolumeTimeIntervalSecond: 2.5,
    };
    expect(readPoolConfig(file(seedNames))).toEqual(readPoolConfig(file(projectNames)));
  });

  it('keeps a fractional create interval as given', () => {
    expect(readPoolConfig(file(projectNames)).createIntervalSeconds).toBe(2.5);
  });

  it('refuses a setting given under both names, naming it', () => {
    expect(() => readPoolConfig(file({ ...projectNames, backupNumsMore: 4 }))).toThrow(
      /backupNumsMore: the same setting as targetHighDemand/,
    );
  });

  it('refuses an unknown setting, naming it', () => {
    expect(() => readPoolConfig(file({ ...projectNames, backupNums: 4 }))).toThrow(/backupNums/);
  });
});
