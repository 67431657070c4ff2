import { describe, expect, it } from 'vitest';
import { drillDomainXml } from '../../drills/domain-xml';
import { parseWriterProgress } from '../../drills/serial-progress';
import { judgeSnapshotPoint } from '../../drills/snapshot-point';

describe('judgeSnapshotPoint', () => {
  const base = { records: 102_400, progressBeforeSnapshot: 25_600, progressAfterLastOperation: 40_000 };

  it('accepts a chunk-aligned cut after every acknowledged write, mid-flight', () => {
    expect(judgeSnapshotPoint({ ...base, oldLayerRecords: 26_880 })).toEqual([]);
  });

  it('flags acknowledged writes missing from the old layer', () => {
    expect(judgeSnapshotPoint({ ...base, oldLayerRecords: 25_344 }).join()).toMatch(/acknowledged writes lost/);
  });

  it('flags a cut inside a 4 KiB chunk', () => {
    expect(judgeSnapshotPoint({ ...base, oldLayerRecords: 25_700 }).join()).toMatch(/torn write/);
  });

  it('flags a cut later than the writer could have reached', () => {
    expect(judgeSnapshotPoint({ ...base, oldLayerRecords: 30_720, latestPossibleCut: 26_112 }).join()).toMatch(
      /more than could have been written/,
    );
  });

  it('flags a drill whose writer finished before the live operations returned', () => {
    const failures = judgeSnapshotPoint({
      ...base,
      oldLayerRecords: base.records,
      progressAfterLastOperation: base.records,
    });
    expect(failures.join()).toMatch(/did not cut the writer mid-flight/);
    expect(failures.join()).toMatch(/did not overlap/);
  });
});

describe('parseWriterProgress', () => {
  it('reads progress lines among kernel messages', () => {
    const log = 'drill-start 1024\r\n[    1.2] random kernel line\r\ndrill-progress 256\r\ndrill-progress 512\r\n';
    expect(parseWriterProgress(log)).toEqual({ started: true, records: 512, held: false, done: false });
    expect(parseWriterProgress(`${log}drill-hold 512\n`)).toMatchObject({ records: 512, held: true, done: false });
  });

  it('reports completion and errors', () => {
    expect(parseWriterProgress('drill-start 512\ndrill-progress 512\ndrill-done 512\n')).toMatchObject({
      records: 512,
      done: true,
    });
    expect(parseWriterProgress('drill-error no /dev/vda\n').error).toBe('no /dev/vda');
  });
});

describe('drillDomainXml', () => {
  const xml = drillDomainXml({
    name: 'd',
    kernel: '/k',
    initrd: '/i',
    activeImage: "/w/o'1.qcow2",
    serialLog: '/w/s.log',
    releaseDisk: '/w/guest/release.raw',
    records: 512,
    pauseUs: 0,
  });

  it('uses software emulation, ACPI, destroy on poweroff, cache=none and a serial file', () => {
    expect(xml).toContain("<domain type='qemu'>");
    expect(xml).not.toMatch(/host-passthrough|host-model/);
    expect(xml).toContain('<acpi/>');
    expect(xml).toContain('<on_poweroff>destroy</on_poweroff>');
    expect(xml).toContain("cache='none'");
    expect(xml).toContain("<serial type='file'>");
    expect(xml).toContain("<memballoon model='none'/>");
    expect(xml).toMatch(/type='raw' cache='none'\/>\s*<source file='\/w\/guest\/release.raw'\/>\s*<target dev='vdb'/);
    expect(xml).toContain('drill.records=512');
  });

  it('escapes paths', () => {
    expect(xml).toContain('/w/o&apos;1.qcow2');
  });
});
