/**
 * A controller whose selector is empty, or does not select its own template's labels, would
 * create pods it can never see and create them again on every sync. Validation should refuse
 * such objects; reconcilers check again so a bad object costs one Warning event, not a pod storm.
 */
import { type LabelSelector, type PodTemplateSpec, TskError, fromLabelSelector, matches } from '@tsk/api';

/** Why the selector cannot be used with this template, or undefined if it can. */
export function selectorProblem(selector: LabelSelector | undefined, template: PodTemplateSpec | undefined): string | undefined {
  let parsed;
  try {
    parsed = fromLabelSelector(selector);
  } catch (err) {
    return err instanceof TskError ? err.message : String(err);
  }
  if (parsed.length === 0) return 'empty selector: it would select every pod';
  if (!matches(parsed, template?.metadata?.labels)) return 'selector does not match template labels';
  return undefined;
}
