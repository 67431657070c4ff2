// Running the real Debian OpenStack clients (openstack, cinder, nova) against a simulator: their
// environment, a runner that keeps the client's own error, and parsers for their tables.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RunningSimulator } from '../../openstack-sim/index';
import { isOnPath } from '../../infra/processes';

export const run = promisify(execFile);

/** The clients' environment: only OS_* for this simulator, and no proxy between them and 127.0.0.1. */
export function clientEnv(sim: RunningSimulator, user: string): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([key]) => !/^OS_|_proxy$/i.test(key));
  return {
    ...Object.fromEntries(inherited),
    OS_AUTH_URL: sim.authUrl,
    OS_IDENTITY_API_VERSION: '3',
    OS_USERNAME: user,
    OS_PASSWORD: `${user}-secret`,
    OS_PROJECT_NAME: user,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
    OS_INTERFACE: 'public',
    NO_PROXY: '127.0.0.1,localhost',
  };
}

export interface CliResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Rows of a prettytable: `| a | b |` lines split into trimmed cells. */
export function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

/** cinderclient's / novaclient's "Property | Value" table as an object. */
export function properties(text: string): Record<string, string> {
  return Object.fromEntries(
    tableRows(text)
      .slice(1)
      .map(([key, value]) => [key, value]),
  );
}

/** A list table as objects keyed by the header row. */
export function listing(text: string): Record<string, string>[] {
  const [header, ...rows] = tableRows(text);
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
}

/** Fails at once, naming the Debian packages, when a client is not installed. */
export function requireClients(commands: string[]): void {
  const missing = commands.filter((command) => !isOnPath(command));
  if (missing.length) {
    throw new Error(
      `OpenStack CLI clients missing (${missing.join(', ')}): install the Debian packages ` +
        '"apt-get install -y python3-openstackclient python3-cinderclient python3-novaclient" ' +
        '(scripts/ensure-deps.sh does this for npm test)',
    );
  }
}

/** `cli` runs a client as a user of `sim()` and reports failure; `ok` demands success and shows the client's error. */
export function cliRunner(sim: () => RunningSimulator) {
  const cli = async (user: string, command: string, args: string[]): Promise<CliResult> => {
    try {
      const { stdout, stderr } = await run(command, args, { env: clientEnv(sim(), user), timeout: 60_000 });
      return { ok: true, stdout, stderr };
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      return { ok: false, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
    }
  };
  const ok = async (user: string, command: string, args: string[]): Promise<string> => {
    const result = await cli(user, command, args);
    if (!result.ok) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
    return result.stdout;
  };
  return { cli, ok };
}
