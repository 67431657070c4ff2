// The logger's contract: one line per event, readable or JSON, secrets never printed; the Temporal
// adapter and the request middleware go through it.
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createLogger, type LogOutput } from '../../observability/logger';
import { registerSecrets } from '../../observability/redact';
import { temporalLogger } from '../../observability/temporal-logger';
import { requestLog } from '../../observability/request-log';

function capture(format: LogOutput['format'] = 'text', level: LogOutput['level'] = 'debug') {
  const lines: string[] = [];
  return { lines, output: { format, level, write: (l: string) => lines.push(l) } satisfies LogOutput };
}

const TEXT_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO |WARN |ERROR) \S+ /;

describe('logger', () => {
  it('writes `time level component message key=value…` on one line', () => {
    const { lines, output } = capture();
    createLogger('pool', output).info('round done', { created: 3, kind: 'replenish', note: 'two words' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(TEXT_LINE);
    expect(lines[0]).toMatch(/ INFO  pool round done created=3 kind=replenish note="two words"$/);
  });

  it('keeps nested objects and multi-line messages on one line', () => {
    const { lines, output } = capture();
    createLogger('worker', output).warn('first\nsecond', { dropped: [{ name: 'a', reason: 'error in Cinder' }] });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(lines[0]).toContain('dropped=[{"name":"a","reason":"error in Cinder"}]');
  });

  it('writes one JSON object per line with LOG_FORMAT=json', () => {
    const { lines, output } = capture('json');
    createLogger('api', output).child({ requestId: 'r1' }).error('boom', { status: 500 });
    const parsed = JSON.parse(lines[0]!);
    expect(parsed).toMatchObject({ level: 'error', component: 'api', message: 'boom', requestId: 'r1', status: 500 });
    expect(Date.parse(parsed.time)).not.toBeNaN();
  });

  it('drops lines below the level', () => {
    const { lines, output } = capture('text', 'warn');
    const log = createLogger('x', output);
    log.info('quiet');
    log.debug('quieter');
    log.warn('loud');
    expect(lines).toHaveLength(1);
  });

  it('never prints a secret: by key, by shape in text, or by registered value', () => {
    const { lines, output } = capture();
    registerSecrets('s3cr3t-admin-pass');
    const log = createLogger('api', output);
    log.info('auth', { password: 'hunter2-pw', nested: { authKey: 'ak-123456', 'X-Auth-Token': 'gAAAAtok' } });
    log.info('header Authorization: Bearer abcdef123456 sent');
    log.info('body {"auth_key": "zz9-plural-z-alpha", "name": "ok"}');
    log.info('connect failed', { url: 'http://admin:s3cr3t-admin-pass@host' });
    const all = lines.join('\n');
    const secrets = ['hunter2-pw', 'ak-123456', 'gAAAAtok', 'abcdef123456', 'zz9-plural-z-alpha', 's3cr3t-admin-pass'];
    for (const secret of secrets) expect(all).not.toContain(secret);
    expect(all).toContain('name');
    expect(lines).toHaveLength(4);
  });

  it('prints payload bytes as their size, never their content', () => {
    const { lines, output } = capture();
    const payload = new TextEncoder().encode('{"password":"in-a-payload"}');
    createLogger('worker', output).debug('Got activity task', { start: { input: [{ data: payload }] } });
    expect(lines[0]).toContain('"data":"[27 bytes]"');
    expect(lines[0]).not.toMatch(/"0":\d+/);
  });
});

describe('Temporal SDK logger', () => {
  it("names the SDK component and keeps the workflow's attributes on one line", () => {
    const { lines, output } = capture();
    temporalLogger(output).info('replenish round', {
      sdkComponent: 'workflow',
      namespace: 'default',
      taskQueue: 'blockflow',
      runId: 'r',
      workflowId: 'pool-replenish-1',
      workflowType: 'replenishPool',
      toCreate: 4,
      throttle: { mode: 'fixed', intervalSeconds: 1 },
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      / INFO  workflow replenish round workflowId=pool-replenish-1 workflowType=replenishPool toCreate=4 throttle=\{/,
    );
    expect(lines[0]).not.toContain('namespace=');
  });
});

describe('request log', () => {
  it('logs each request once with method, path, status and duration', async () => {
    const { lines, output } = capture();
    const app = new Hono().use('*', requestLog(createLogger('api', output)));
    app.onError((_err, c) => c.text('failed', 500));
    app.get('/v1/things', (c) => c.json({ ok: true }));
    app.get('/v1/fail', () => {
      throw new Error('nope');
    });
    await app.request('/v1/things?token=abcdefgh123');
    await app.request('/v1/fail');
    await app.request('/v1/missing');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/ INFO  api request method=GET path=\/v1\/things status=200 ms=\d+$/);
    expect(lines[1]).toMatch(/ ERROR api request method=GET path=\/v1\/fail status=500 ms=\d+$/);
    expect(lines[2]).toMatch(/status=404/);
    expect(lines.join()).not.toContain('abcdefgh123');
  });

  it('logs polls at debug: the dashboard, Prometheus, and requests marked as a poll', async () => {
    const { lines, output } = capture('text', 'info');
    const app = new Hono().use('*', requestLog(createLogger('api', output)));
    app.get('*', (c) => c.text('ok'));
    await app.request('/metrics');
    await app.request('/');
    await app.request('/v1/pool', { headers: { 'X-Blockflow-Poll': 'dashboard' } });
    expect(lines).toEqual([]);
    await app.request('/v1/pool');
    expect(lines).toHaveLength(1);
  });
});
