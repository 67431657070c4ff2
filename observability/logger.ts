// One logger for every part of blockflow: one line per event, `time level component message
// key=value…` for people (the default) or one JSON object per line with LOG_FORMAT=json for
// machines. Every value goes through the redaction rules (redact.ts) before it is written.
import { redactText, redactValue } from './redact';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Attrs = Record<string, unknown>;

export interface Logger {
  debug(message: string, attrs?: Attrs): void;
  info(message: string, attrs?: Attrs): void;
  warn(message: string, attrs?: Attrs): void;
  error(message: string, attrs?: Attrs): void;
  /** A logger that adds these attributes to every line. */
  child(attrs: Attrs): Logger;
  /** `(line) => void` for code that takes a plain line callback (infra/, bin/deployment-start-up). */
  line: (text: string) => void;
}

export interface LogOutput {
  format: 'text' | 'json';
  /** Lines below this level are dropped. */
  level: Level;
  write: (line: string) => void;
}

const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** From the environment: LOG_FORMAT=json|text, LOG_LEVEL=debug|info|warn|error; lines to stdout. */
export function outputFromEnv(env: NodeJS.ProcessEnv = process.env): LogOutput {
  const level = (env.LOG_LEVEL ?? 'info').toLowerCase();
  return {
    format: env.LOG_FORMAT === 'json' ? 'json' : 'text',
    level: level in RANK ? (level as Level) : 'info',
    write: (line) => process.stdout.write(`${line}\n`),
  };
}

let defaultOutput: LogOutput | undefined;

/** Where loggers created without an explicit output write (tests point it at a buffer). */
export function setDefaultOutput(output: LogOutput | undefined): void {
  defaultOutput = output;
}

export function createLogger(component: string, output?: LogOutput, bound: Attrs = {}): Logger {
  const out = () => output ?? (defaultOutput ??= outputFromEnv());
  const emit = (level: Level, message: string, attrs?: Attrs) => {
    const o = out();
    if (RANK[level] < RANK[o.level]) return;
    o.write(formatLine(o.format, new Date(), level, component, message, { ...bound, ...attrs }));
  };
  return {
    debug: (m, a) => emit('debug', m, a),
    info: (m, a) => emit('info', m, a),
    warn: (m, a) => emit('warn', m, a),
    error: (m, a) => emit('error', m, a),
    child: (attrs) => createLogger(component, output, { ...bound, ...attrs }),
    line: (text) => emit('info', text),
  };
}

export function formatLine(
  format: LogOutput['format'],
  time: Date,
  level: Level,
  component: string,
  message: string,
  attrs: Attrs,
): string {
  const clean = redactValue(dropUndefined(attrs)) as Attrs;
  const msg = redactText(message);
  if (format === 'json') return JSON.stringify({ time: time.toISOString(), level, component, message: msg, ...clean });
  const pairs = Object.entries(clean).map(([k, v]) => `${k}=${textValue(v)}`);
  return [time.toISOString(), level.toUpperCase().padEnd(5), component, oneLine(msg), ...pairs].join(' ');
}

function dropUndefined(attrs: Attrs): Attrs {
  return Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined));
}

/** Bare when it reads unambiguously, else JSON (quoted strings, compact objects): never a line break. */
function textValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v) ?? String(v);
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ⏎ ');
