// Imported FIRST by the operator tests (before harness.ts installs a Runtime of its own): the
// process's Temporal Runtime as blockflow installs it (observability/temporal-runtime.ts), with
// the SDK's Prometheus exporter on a free port, and every log line captured in memory.
import { freePort } from '../setup/free-port';
import { installTemporalRuntime } from '../../observability/temporal-runtime';
import { setDefaultOutput } from '../../observability/logger';

/** Every line any blockflow logger wrote in this process (debug and up), as written. */
export const capturedLog: string[] = [];
setDefaultOutput({ format: 'text', level: 'debug', write: (line) => capturedLog.push(line) });

export const sdkMetricsAddress = `127.0.0.1:${await freePort()}`;
installTemporalRuntime({ handleSignals: false, sdkMetricsAddress });
