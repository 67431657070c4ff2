// What an operator chooses for a drill run, and the rules it must satisfy before anything is
// touched. Pure (no I/O, no Node built-ins): the API validates with it and so does the worker's
// preflight, for runs started straight from Temporal.
import type { CommitMode } from './live-blockcommit';
import { RECORD_BYTES, RECORDS_PER_CHUNK } from './records';

export type DrillForm = 'libvirt' | 'storage-daemon';
/** Seed case 1 ('snapshot') or case 2 ('commit': snapshot, then a commit that shortens the chain). */
export type DrillScenario = 'snapshot' | 'commit';

export interface DrillParams {
  form: DrillForm;
  /** N: records the writer writes. */
  records: number;
  /** The snapshot is taken once the writer has acknowledged at least this many records (by progress, not by time). */
  snapshotAtRecords: number;
  /** Required by the commit scenario, refused by the snapshot scenario. */
  commitMode?: CommitMode;
  /** libvirt: name of the throwaway domain the drill defines (default derived from the run id); must not exist yet. */
  domainName?: string;
  /** libvirt: guest kernel and initramfs (default: the guest built once into ~/.cache/blockflow). */
  guest?: { kernel: string; initrd: string };
  /** libvirt: pause inside the guest after each 4 KiB chunk, to stretch the write window. */
  pauseUs?: number;
  /** storage-daemon: pause after each acknowledged chunk. */
  chunkPauseMs?: number;
  /** libvirt: boot to first record. */
  bootTimeoutMs?: number;
  /** Bounds each writer wait (to the snapshot point, to the end). Default scales with N. */
  writerTimeoutMs?: number;
}

/** A run once preflight resolved it: where it works, and (libvirt) its domain and guest. */
export interface DrillTarget {
  params: DrillParams;
  /** Set in the commit scenario only (commitModeOf). */
  commitMode?: CommitMode;
  workDir: string;
  domainName?: string;
  guest?: { kernel: string; initrd: string };
}

/** The commit a run makes: the scenario decides whether params.commitMode applies. */
export function commitModeOf(scenario: DrillScenario, params: DrillParams): CommitMode | undefined {
  return scenario === 'commit' ? params.commitMode : undefined;
}

/** The drill chain's virtual disk (prepareChain's default). */
export const DRILL_DISK_MIB = 64;
export const MAX_DRILL_RECORDS = (DRILL_DISK_MIB * 1024 * 1024) / RECORD_BYTES;
/** libvirt domain names the drill accepts: no quoting issues in virsh arguments or XML. */
export const DOMAIN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface ParamProblem {
  field: string;
  /** Says what is wrong with the field, without naming it. */
  message: string;
}

/** Records the libvirt guest has written when it holds before its last chunk (drills/guest/init.sh). */
function lastHoldPoint(records: number): number {
  return (Math.ceil(records / RECORDS_PER_CHUNK) - 1) * RECORDS_PER_CHUNK;
}

/** Every rule a drill's parameters break (empty = acceptable). */
export function drillParamProblems(params: DrillParams, scenario: DrillScenario): ParamProblem[] {
  const problems: ParamProblem[] = [];
  const { records: n, snapshotAtRecords: k } = params;
  if (params.form !== 'libvirt' && params.form !== 'storage-daemon')
    problems.push({ field: 'form', message: `unknown form ${JSON.stringify(params.form)}: libvirt or storage-daemon` });
  if (!Number.isInteger(n) || n < 1)
    problems.push({ field: 'records', message: `must be a positive integer (got ${n})` });
  else if (n > MAX_DRILL_RECORDS)
    problems.push({
      field: 'records',
      message: `must be at most ${MAX_DRILL_RECORDS} (the ${DRILL_DISK_MIB} MiB drill disk holds no more)`,
    });
  if (!Number.isInteger(k) || k < 1)
    problems.push({ field: 'snapshotAtRecords', message: `must be a positive integer (got ${k})` });
  else if (Number.isInteger(n) && k >= n)
    problems.push({
      field: 'snapshotAtRecords',
      message: `${k} is not below records (${n}): the snapshot has to cut the writer mid-stream`,
    });
  else if (params.form === 'libvirt' && Number.isInteger(n) && k > lastHoldPoint(n))
    problems.push({
      field: 'snapshotAtRecords',
      message:
        `${k} is past ${lastHoldPoint(n)}: the guest writer holds before its last ${RECORDS_PER_CHUNK}-record ` +
        `chunk until the drill's end, so the snapshot must come before it`,
    });
  if (scenario === 'commit' && params.commitMode !== 'active-pivot' && params.commitMode !== 'top-base') {
    problems.push({ field: 'commitMode', message: "the commit scenario needs 'active-pivot' or 'top-base'" });
  }
  if (scenario === 'snapshot' && params.commitMode !== undefined)
    problems.push({ field: 'commitMode', message: 'the snapshot scenario does not commit: omit it' });
  if (params.domainName !== undefined && !DOMAIN_NAME_PATTERN.test(params.domainName)) {
    problems.push({ field: 'domainName', message: `must match ${DOMAIN_NAME_PATTERN}` });
  }
  for (const key of ['kernel', 'initrd'] as const) {
    const path = params.guest?.[key];
    if (params.guest && (typeof path !== 'string' || !path.startsWith('/')))
      problems.push({ field: `guest.${key}`, message: "must be an absolute path (on the worker's host)" });
  }
  if (params.form === 'storage-daemon') {
    for (const field of ['domainName', 'guest', 'pauseUs', 'bootTimeoutMs'] as const) {
      if (params[field] !== undefined) problems.push({ field, message: 'applies to the libvirt form only' });
    }
  } else if (params.chunkPauseMs !== undefined) {
    problems.push({
      field: 'chunkPauseMs',
      message: 'applies to the storage-daemon form only (the libvirt guest takes pauseUs)',
    });
  }
  for (const field of ['pauseUs', 'chunkPauseMs', 'bootTimeoutMs', 'writerTimeoutMs'] as const) {
    const value = params[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 0))
      problems.push({ field, message: 'must be a non-negative integer' });
  }
  return problems;
}

/** Each writer wait's bound when none is given: a minute, plus 0.2 ms per record (5 000 records/s
 *  worst case), plus the pauses asked for between chunks. */
export function writerTimeoutMs(params: DrillParams): number {
  if (params.writerTimeoutMs !== undefined) return params.writerTimeoutMs;
  const chunks = Math.ceil(params.records / RECORDS_PER_CHUNK);
  const pauseMs = chunks * ((params.pauseUs ?? 0) / 1000 + (params.chunkPauseMs ?? 0));
  return 60_000 + Math.ceil(params.records / 5 + pauseMs);
}
