// Raw HTTP for what the project's clients hide on purpose (status codes, headers, error bodies),
// authenticated with the clients' own session so both talk to the same project.
import type { KeystoneSession } from '../../openstack/keystone';
import { call, type Reply } from '../openstack-sim/helpers';

export interface RawVolumeApi {
  /** …/v3/{project_id} from the catalog. */
  url: string;
  projectId: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
}

export async function rawVolumeApi(session: KeystoneSession): Promise<RawVolumeApi> {
  const { token, projectId } = await session.authenticate();
  const url = await session.endpoint('volumev3');
  return {
    url,
    projectId,
    call: (method, path, body, headers = {}) =>
      call(method, `${url}${path}`, body, { 'X-Auth-Token': token, ...headers }),
  };
}
