// The snapshot naming rule's bound is the pool's own (pool/name-pattern.ts): the API's PATCH and
// the config file at start-up refuse the same patterns.
export { MAX_PATTERN_LENGTH, MAX_QUANTIFIERS, unboundedPatternReason } from '../../pool/name-pattern';
