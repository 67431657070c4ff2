export { freePort } from '../../infra/ephemeral';
