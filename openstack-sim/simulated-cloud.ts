import { VolumeLifecycle } from './cinder/volume-lifecycle';
import { SnapshotLifecycle } from './cinder/snapshot-lifecycle';
import { Directory } from './identity/directory';
import { TokenService } from './identity/tokens';
import { TrustService } from './identity/trust-service';
import { resume } from './lifecycle';
import { Networking } from './neutron/ipam';
import { ServerLifecycle } from './nova/server-lifecycle';
import type { ResolvedOptions } from './options';
import { OverloadModel } from './overload';
import { Scheduler } from './scheduler';
import { seedNetworks, seedState } from './seed';
import { type PersistedState, SimState } from './state';
import { RequestFaults } from './request-faults';

/**
 * The whole simulated cloud: its data, its identity directory, its clocks, and the
 * state machines that act on the data. HTTP routers and the fault injector are thin
 * layers over this object.
 */
export class SimulatedCloud {
  readonly state: SimState;
  readonly directory: Directory;
  readonly tokens: TokenService;
  readonly trusts: TrustService;
  readonly scheduler = new Scheduler();
  readonly overload: OverloadModel;
  readonly volumes: VolumeLifecycle;
  readonly snapshots: SnapshotLifecycle;
  readonly servers: ServerLifecycle;
  readonly networking: Networking;
  /** Public base URL (http://host:port), known once the server listens. */
  baseUrl = '';
  private forcedCreateFailures = 0;
  /** Reasons the next builds abort with on the compute node, oldest first (fault injection). */
  private readonly forcedBootFailures: string[] = [];
  private readonly changeListeners: (() => void)[] = [];

  constructor(
    readonly options: ResolvedOptions,
    saved?: PersistedState,
  ) {
    this.state = new SimState(saved);
    this.directory = new Directory(options.users);
    this.tokens = new TokenService(this.state, options.tokenTtlSeconds);
    this.trusts = new TrustService(this.state, this.directory);
    this.overload = new OverloadModel(options.overload);
    this.volumes = new VolumeLifecycle(this);
    this.snapshots = new SnapshotLifecycle(this);
    this.servers = new ServerLifecycle(this);
    this.networking = new Networking(this.state);
    if (!saved) seedState(this.state, this.directory, options);
    // State files from before neutron have no networks: give them the configured ones.
    if (!saved?.networks) seedNetworks(this.state, this.directory, options);
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

  /** Injected HTTP failures (request-faults.ts). */
  readonly requestFaults = new RequestFaults();

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

  failNextBoots(count: number, reason: string): void {
    for (let i = 0; i < count; i++) this.forcedBootFailures.push(reason);
  }

  pendingBootFailures(): number {
    return this.forcedBootFailures.length;
  }

  /** Consumes one injected build failure: the reason the compute node will abort with, if any. */
  takeForcedBootFailure(): string | undefined {
    return this.forcedBootFailures.shift();
  }

  stop(): void {
    this.scheduler.stop();
  }
}
