import { Hono } from 'hono';
import type { SimulatedCloud } from '../simulated-cloud';
import type { SimEnv } from '../env';
import { quotaLimits, quotaUsage } from './quota';

/** cinder's absolute limits: which quota each shows as its maximum and as its usage (used_limits.py). */
const ABSOLUTE: [max: string, used: string, key: string][] = [
  ['maxTotalVolumes', 'totalVolumesUsed', 'volumes'],
  ['maxTotalSnapshots', 'totalSnapshotsUsed', 'snapshots'],
  ['maxTotalVolumeGigabytes', 'totalGigabytesUsed', 'gigabytes'],
  ['maxTotalBackups', 'totalBackupsUsed', 'backups'],
  ['maxTotalBackupGigabytes', 'totalBackupGigabytesUsed', 'backup_gigabytes'],
];

/** GET /limits (`cinder absolute-limits`): the project's quota limits and usage; no rate limits. */
export function limitRoutes(cloud: SimulatedCloud): Hono<SimEnv> {
  const app = new Hono<SimEnv>({ strict: false });
  app.get('/', (c) => {
    const auth = c.get('auth');
    // From 3.39 an admin may ask about another project; before, and for others, project_id is ignored.
    const asked = auth.isAdmin && c.get('apiVersion').atLeast('3.39') ? c.req.query('project_id') : undefined;
    const projectId = asked ?? auth.projectId;
    const limits = quotaLimits(cloud, projectId);
    const usage = quotaUsage(cloud, projectId);
    const maxima = ABSOLUTE.map(([max, , key]) => [max, limits[key]]);
    const used = ABSOLUTE.map(([, inUse, key]) => [inUse, usage[key]]);
    return c.json({ limits: { rate: [], absolute: Object.fromEntries([...maxima, ...used]) } });
  });
  return app;
}
