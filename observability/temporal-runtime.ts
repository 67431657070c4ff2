// The Temporal SDK's process-wide Runtime, installed once with blockflow's logger and, when asked,
// the SDK's own Prometheus exporter (worker and client metrics: task slots, poll latencies, …).
// The API's /metrics forwards that exporter's text, so one scrape target has both.
import { Runtime } from '@temporalio/worker';
import { createLogger } from './logger';
import { temporalLogger } from './temporal-logger';

export interface TemporalRuntimeOptions {
  /** false: the caller owns SIGINT/SIGTERM (the start command); true: the SDK drains workers on them. */
  handleSignals: boolean;
  /** host:port for the SDK's Prometheus exporter; unset = no SDK metrics. */
  sdkMetricsAddress?: string;
}

let sdkMetrics: string | undefined;

/** Installs the Runtime unless one is already installed (a second worker, a test that set its own). */
export function installTemporalRuntime(opts: TemporalRuntimeOptions): void {
  const options: Parameters<typeof Runtime.install>[0] = {
    logger: temporalLogger(),
    ...(opts.handleSignals ? {} : { shutdownSignals: [] }),
    telemetryOptions: opts.sdkMetricsAddress
      ? { metrics: { prometheus: { bindAddress: opts.sdkMetricsAddress, countersTotalSuffix: true } } }
      : undefined,
  };
  try {
    Runtime.install(options);
  } catch {
    return; // already installed: Runtime.install may run once per process
  }
  sdkMetrics = opts.sdkMetricsAddress;
  if (sdkMetrics) createLogger('worker').info('Temporal SDK metrics exported', { address: sdkMetrics });
}

/** Where this process's SDK exporter listens (for /metrics to forward), if it has one. */
export const temporalSdkMetricsAddress = (): string | undefined => sdkMetrics;
