import { VolumeLifecycle } from './cinder/volume-lifecycle';
import { SnapshotLifecycle } from './cinder/snapshot-lifecycle';
import { Directory } from './identity/directory';
import { TokenService } from './identity/tokens';
import { resume } from './lifecycle';
import { ServerLifecycle } from './nova/server-lifecycle';
import type { ResolvedOptions } from './options';
import { OverloadModel } from './overload';
import { Scheduler } from './scheduler';
import { seedState } from './seed';
import { type PersistedState, SimState } from './state';

/**
 * The whole simulated cloud: its data, its identity directory, its clocks, and the
 * state machines that act on the data. HTTP routers and the fault injector are thin
 * layers over this object.
 */
export class SimulatedCloud {
  readonly state: SimState;
  readonly directory: Directory;
  readonly tokens: TokenService;
  readonly scheduler = new Scheduler();
  readonly overload: OverloadModel;
  readonly volumes: VolumeLifecycle;
  readonly snapshots: SnapshotLifecycle;
  readonly servers: ServerLifecycle;
  /** Public base URL (http://host:port), known once the server listens. */
  baseUrl = '';
  private forcedCreateFailures = 0;
  private readonly changeListeners: (() => void)[] = [];

  constructor(
    readonly options: ResolvedOptions,
    saved?: PersistedState,
  ) {
    this.state = new SimState(saved);
    this.directory = new Directory(options.users);
    this.tokens = new TokenService(this.state, options.tokenTtlSeconds);
    this.overload = new OverloadModel(options.overload);
    this.volumes = new VolumeLifecycle(this);
    this.snapshots = new SnapshotLifecycle(this);
    this.servers = new ServerLifecycle(this);
    if (!saved) seedState(this.state, this.directory, options);
    resume(this.scheduler, 'volume', this.state.volumes.values());
    resume(this.scheduler, 'snapshot', this.state.snapshots.values());
    resume(this.scheduler, 'server', this.state.servers.values());
  }

  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** Tells listeners (the state file saver) that the data changed. */
  changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  failNextCreates(count: number): void {
    this.forcedCreateFailures += count;
  }

  pendingForcedFailures(): number {
    return this.forcedCreateFailures;
  }

  /** Consumes one injected create failure, if any is pending. */
  takeForcedCreateFailure(): boolean {
    if (this.forcedCreateFailures === 0) return false;
    this.forcedCreateFailures--;
    return true;
  }

  stop(): void {
    this.scheduler.stop();
  }
}
