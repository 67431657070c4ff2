/**
 * Runs the simulator by hand:
 *   node --import tsx openstack-sim/main.ts --port 8800 [--state-file sim.json] [--create-delay-ms 3000]
 * then e.g. OS_AUTH_URL=http://127.0.0.1:8800/identity/v3 OS_USERNAME=admin OS_PASSWORD=admin-secret \
 *   OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default cinder list
 */
import { parseArgs } from 'node:util';
import { DEFAULT_USERS, startSimulator } from './index';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8800' },
    'state-file': { type: 'string' },
    'create-delay-ms': { type: 'string' },
    'overload-capacity': { type: 'string' },
    'overload-error-slope': { type: 'string' },
    'overload-seed': { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

const num = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number(text));
const capacity = num(values['overload-capacity']);

const sim = await startSimulator({
  host: values.host,
  port: num(values.port),
  stateFile: values['state-file'],
  createDelayMs: num(values['create-delay-ms']),
  overload:
    capacity === undefined
      ? undefined
      : { capacity, errorSlope: num(values['overload-error-slope']) ?? 0.1, seed: num(values['overload-seed']) },
  log: values.quiet ? undefined : (line) => console.log(line),
});

console.log(`openstack-sim listening on ${sim.url}`);
console.log(`  OS_AUTH_URL=${sim.authUrl}`);
for (const user of DEFAULT_USERS)
  console.log(`  user ${user.name} / ${user.password} (project ${user.project}, role ${user.role})`);

const shutdown = () => {
  void sim.stop().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
