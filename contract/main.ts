// By hand: `node --import tsx contract/main.ts [--compute] [--new-rbac]` brings the real Keystone + Cinder (and
// with --compute Placement, Nova and Neutron) up, prints how to reach it, its bring-up time and
// memory, and stops everything on Ctrl-C.
import { ADMIN, startRealOpenStack } from './index';

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

const cloud = await startRealOpenStack({
  log: (line) => console.log(`[contract] ${line}`),
  keepFolder: process.argv.includes('--keep'),
  compute: process.argv.includes('--compute'),
  newRbac: process.argv.includes('--new-rbac'),
});
const memory = cloud.memory();
console.log(
  `[contract] memory (PSS) ${mb(memory.total)}: ${memory.byProcess.map((p) => `${p.name} ${mb(p.bytes)}`).join(', ')}`,
);
console.log(
  `[contract] pids: ${cloud
    .pids()
    .map((p) => `${p.name}=${p.pid}`)
    .join(' ')}`,
);
console.log(
  `[contract] OS_AUTH_URL=${cloud.authUrl} OS_USERNAME=${ADMIN.name} ` +
    `OS_PASSWORD=${ADMIN.password} OS_PROJECT_NAME=${ADMIN.project} ` +
    'OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default cinder list',
);
if (cloud.newRbacAuthUrl) console.log(`[contract] CONTRACT_REAL_NEW_RBAC_AUTH_URL=${cloud.newRbacAuthUrl}`);
if (process.argv.includes('--once')) {
  await cloud.stop();
} else {
  console.log('[contract] Ctrl-C to stop');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void cloud.stop().then(() => process.exit(0));
    });
  }
}
