// The contract suite: every check run against the built-in simulator AND a real Keystone 22 + Cinder 21 +
// Placement 8 + Nova 26 + Neutron 21 (contract/). One file, so one real peer serves every suite of the run
// (targets.ts startReal): its bring-up starts with the file, while the simulator's suites run; the suites
// run one after another on it, so none sees another's volumes, quotas or trusts in flight. Each module
// below is one subject, with its own simulator-vs-real shape comparison at its end.
import { afterAll, beforeAll } from 'vitest';
import { startReal, stopReal } from './targets';
import './cinder-keystone.contract';
import './trusts-quota.contract';
import './server-disks.contract';
import './operator.contract';
import './compute.contract';

beforeAll(() => {
  startReal().catch(() => {}); // a failed bring-up fails the real suites' beforeAll, with its log
});
afterAll(() => stopReal(), 60_000);
