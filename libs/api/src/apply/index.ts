export { threeWayMerge } from './merge.js';
export { LAST_APPLIED_ANNOTATION, lastAppliedConfiguration, setLastApplied, getLastApplied } from './last-applied.js';
