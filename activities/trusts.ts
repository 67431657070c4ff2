// The server builds' reaper as an activity (servers/trust-reaper): unstarted builds failed, ended
// runs' trusts and unrecorded trusts deleted, deleted builds past their retention removed.
import { reapServerBuilds, type ReaperDeps } from '../servers/trust-reaper';

export function reaperActivities(deps: ReaperDeps) {
  return { reapServerBuildsPass: () => reapServerBuilds(deps) };
}
