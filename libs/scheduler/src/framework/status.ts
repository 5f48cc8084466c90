/**
 * Why a node was refused, as a value. Filters return `null` when the node fits, or a `Refusal`
 * that names the reasons the user will read in "0/N nodes are available: ...". Refusals are
 * usually module constants, so refusing a node allocates nothing in the hot loop.
 */

/**
 * Unschedulable: the node might fit once other pods go away (resources, ports, spread).
 * UnschedulableAndUnresolvable: nothing but changing the node or the pod helps (name, selector,
 * taints); a future preemption step would skip these nodes.
 */
export type RefusalCode = 'Unschedulable' | 'UnschedulableAndUnresolvable';

export interface Refusal {
  readonly code: RefusalCode;
  /** Usually one; NodeResourcesFit may report several ("Insufficient cpu", "Insufficient memory"). */
  readonly reasons: readonly string[];
}

/** A filter's answer for one node: null means the node fits. */
export type FilterStatus = Refusal | null;

export function refusal(code: RefusalCode, ...reasons: string[]): Refusal {
  return Object.freeze({ code, reasons: Object.freeze(reasons) });
}

/** A PreFilter or PreScore that returns SKIP turns its plugin's Filter or Score off for this pod. */
export const SKIP = 'Skip' as const;
export type Skip = typeof SKIP;

/** PreFilter: null to run the plugin's Filter, SKIP to bypass it, a Refusal to reject every node. */
export type PreFilterStatus = Refusal | Skip | null;

/** PreScore: null to run the plugin's Score, SKIP to bypass it. */
export type PreScoreStatus = Skip | null;
