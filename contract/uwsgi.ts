// How the contract peer runs a Python WSGI service (Keystone, Placement): uwsgi on one loopback
// port, one process of 4 threads, stopped by SIGTERM.
import { HOST } from './layout';

/** uwsgi's arguments for `wsgiFile` on `port`, with `env` (NAME=value) in the app's environment. */
export function uwsgiArgs(wsgiFile: string, port: number, env: string): string[] {
  return [
    '--plugin',
    'python3',
    '--http-socket',
    `${HOST}:${port}`,
    '--wsgi-file',
    wsgiFile,
    '--env',
    env,
    '--master',
    '--processes',
    '1',
    '--threads',
    '4',
    '--need-app',
    '--die-on-term',
    '--buffer-size',
    '65535',
    // uwsgi's http-socket does not keep connections alive; without this header clients reuse
    // the socket and about half the calls fail with a reset.
    '--add-header',
    'Connection: close',
  ];
}
