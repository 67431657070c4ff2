import { describe as show, matches, type Observed } from './concurrency-observe';
import { step, stateKey, type Geometry, type Op, type State } from './model';

/**
 * Linearizability checker (Wing & Gong search with memoization, per chunk:
 * every operation touches one chunk, so the chunks are checked separately).
 *
 * Each history entry has the logical times of its invocation and response.
 * A linearization orders the entries so that an entry that responded before
 * another was invoked comes first, and so that applying them in that order
 * to the model reproduces every observed result. The search tries the order
 * in which the store completed the calls first, so a store that serializes
 * each chunk costs one pass; it backtracks only where calls overlapped.
 */

export interface Entry {
  readonly chunk: number;
  readonly op: Op;
  readonly inv: number;
  readonly res: number;
  readonly observed: Observed;
  /** who issued it, e.g. "w3#17", for reports. */
  readonly by: string;
}

export interface Verdict {
  readonly ok: boolean;
  /** per failing chunk: why, with the first dead end of the search. */
  readonly failures: string[];
  readonly searchNodes: number;
}

interface Frame {
  readonly state: State;
  /** the entry linearized to reach this frame (-1 at the root). */
  readonly chosen: number;
  readonly cands: { readonly i: number; readonly next: State }[];
  ci: number;
}

function fmtOp(op: Op): string {
  const { kind, ...rest } = op as Op & { tags?: readonly number[] };
  if (rest.tags) rest.tags = rest.tags.length > 4 ? [...rest.tags.slice(0, 4), -1] : rest.tags;
  return `${kind}${JSON.stringify(rest)}`;
}

class ChunkSearch {
  private readonly done: Uint8Array;
  private doneCount = 0;
  private frontier = 0;
  private readonly seen = new Set<string>();
  nodes = 0;
  deadEnd: string | null = null;
  deepest = 0;

  constructor(
    private readonly geometry: Geometry,
    private readonly es: readonly Entry[],
    private readonly budget: number,
  ) {
    this.done = new Uint8Array(es.length);
  }

  /** Entries that may be linearized next: invoked before every pending entry's response. */
  private eligible(): number[] {
    while (this.frontier < this.es.length && this.done[this.frontier]) this.frontier++;
    let minRes = Infinity;
    const window: number[] = [];
    for (let i = this.frontier; i < this.es.length && this.es[i].inv < minRes; i++) {
      if (this.done[i]) continue;
      window.push(i);
      minRes = Math.min(minRes, this.es[i].res);
    }
    return window.filter((i) => this.es[i].inv < minRes).sort((a, b) => this.es[a].res - this.es[b].res);
  }

  private frame(state: State, chosen: number): Frame {
    const cands: Frame['cands'] = [];
    const misses: string[] = [];
    for (const i of this.eligible()) {
      const outs = step(this.geometry, state, this.es[i].op);
      const hits = outs.filter((o) => matches(o.result, this.es[i].observed));
      for (const o of hits) cands.push({ i, next: o.next });
      if (!hits.length) {
        const e = this.es[i];
        misses.push(
          `  ${e.by} ${fmtOp(e.op)} [t${e.inv}-t${e.res}]: store ${show(e.observed)}; ` +
            `model ${outs.map((o) => show(o.result)).join(' | ')}`,
        );
      }
    }
    if (!cands.length && this.deadEnd === null) {
      this.deadEnd =
        `after ${this.doneCount} of ${this.es.length} ops, model state ${stateKey(state)}, ` +
        `no candidate fits:\n${misses.join('\n')}`;
    }
    return { state, chosen, cands, ci: 0 };
  }

  private key(state: State): string {
    while (this.frontier < this.es.length && this.done[this.frontier]) this.frontier++;
    // everything before the frontier is linearized; list the few linearized entries after it
    const beyond: number[] = [];
    for (let i = this.frontier; beyond.length < this.doneCount - this.frontier; i++) if (this.done[i]) beyond.push(i);
    return `${this.frontier}|${beyond.join(',')}|${stateKey(state)}`;
  }

  /** true: linearizable; false: not; 'budget': gave up. */
  run(initial: State): boolean | 'budget' {
    if (!this.es.length) return true;
    const stack: Frame[] = [this.frame(initial, -1)];
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.ci >= top.cands.length) {
        stack.pop();
        if (top.chosen >= 0) this.undo(top.chosen);
        continue;
      }
      const c = top.cands[top.ci++];
      this.done[c.i] = 1;
      this.doneCount++;
      this.deepest = Math.max(this.deepest, this.doneCount);
      if (this.doneCount === this.es.length) return true;
      const k = this.key(c.next);
      if (this.seen.has(k) || ++this.nodes > this.budget) {
        this.undo(c.i);
        if (this.nodes > this.budget) return 'budget';
        continue;
      }
      this.seen.add(k);
      stack.push(this.frame(c.next, c.i));
    }
    return false;
  }

  private undo(i: number): void {
    this.done[i] = 0;
    this.doneCount--;
    if (i < this.frontier) this.frontier = i;
  }
}

/**
 * Checks a complete history (every call responded). `initial` gives each
 * chunk's state before the history (default: missing).
 */
export function checkHistory(
  geometry: Geometry,
  entries: readonly Entry[],
  opts: { budget?: number; initial?: (chunk: number) => State } = {},
): Verdict {
  const byChunk = new Map<number, Entry[]>();
  for (const e of entries) {
    if (!(e.res > e.inv)) throw new Error(`entry ${e.by} has no response after its invocation`);
    byChunk.set(e.chunk, [...(byChunk.get(e.chunk) ?? []), e]);
  }
  const failures: string[] = [];
  let searchNodes = 0;
  for (const [chunk, es] of [...byChunk].sort((a, b) => a[0] - b[0])) {
    es.sort((a, b) => a.inv - b.inv);
    const search = new ChunkSearch(geometry, es, opts.budget ?? 300_000);
    const ok = search.run(opts.initial ? opts.initial(chunk) : null);
    searchNodes += search.nodes;
    if (ok === true) continue;
    const why = ok === 'budget' ? `search budget of ${search.nodes} states exhausted` : 'no linearization exists';
    failures.push(
      `chunk ${chunk}: ${why} (deepest prefix ${search.deepest}/${es.length}); first dead end ${search.deadEnd ?? '?'}`,
    );
  }
  return { ok: failures.length === 0, failures, searchNodes };
}
