// The Temporal SDK's logs (the worker's lifecycle, activities' and workflows' `log`, which the SDK
// sinks to the Runtime's logger) through blockflow's logger: one line each, secrets redacted.
// Install with `Runtime.install({ logger: temporalLogger() })`.
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { createLogger, type Level, type LogOutput, type Logger } from './logger';

const LEVELS: Record<LogLevel, Level> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** Metadata every SDK line carries that says nothing an operator needs on each line. */
const NOISE = new Set(['sdkComponent', 'namespace', 'taskQueue', 'runId', 'isLocal', 'activityId', 'taskToken']);

export function temporalLogger(output?: LogOutput): TemporalLogger {
  // One blockflow logger per SDK component: the line's component says who spoke (workflow, activity, worker, core).
  const byComponent = new Map<string, Logger>();
  const loggerFor = (c: string) => byComponent.get(c) ?? byComponent.set(c, createLogger(c, output)).get(c)!;
  const log = (level: LogLevel, message: string, meta: LogMetadata = {}) => {
    const component = typeof meta.sdkComponent === 'string' ? meta.sdkComponent : 'temporal';
    const attrs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(meta)) {
      if (NOISE.has(k) || (k === 'attempt' && v === 1)) continue;
      attrs[k] = v;
    }
    loggerFor(component)[LEVELS[level]](message, attrs);
  };
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}
