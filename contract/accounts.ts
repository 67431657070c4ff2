// Who and what the real cloud holds: the simulator's default users and volume types, so one
// contract suite runs unchanged against both, plus the OS image snapshot the pool clones from.
import { DEFAULT_USERS, type SimUser } from '../openstack-sim';
import { DEFAULT_VOLUME_TYPES } from '../openstack-sim/options';

function userWithRole(role: SimUser['role']): SimUser {
  const user = DEFAULT_USERS.find((u) => u.role === role);
  if (!user) throw new Error(`the simulator has no default user with role ${role}`);
  return user;
}

/** admin/admin-secret in project admin, role admin (keystone-manage bootstrap creates it). */
export const ADMIN = userWithRole('admin');
/** demo/demo-secret in project demo, role member. */
export const TENANT = userWithRole('member');

export const DOMAIN = 'Default';
export const REGION = 'RegionOne';
export const SERVICE_PROJECT = 'service';

export const VOLUME_TYPES = DEFAULT_VOLUME_TYPES;

/** Named by the pool's rule `sysdisk-<type>-<os>`, owned by the admin project, as operators keep them. */
export const IMAGE_SNAPSHOT = { name: 'sysdisk-sas-Debian9 64bit', volumeType: 'sas', sizeGb: 20 } as const;
/** The snapshot's source volume (the "golden" disk it was taken from). */
export const IMAGE_SOURCE_VOLUME = 'golden-sas-Debian9 64bit';
