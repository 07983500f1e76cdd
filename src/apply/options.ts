// What an apply takes beyond a plan's options: kept apart from src/options.ts, which the
// lower layers import, because it names the Plan.
import type { PlanOptions } from '../options.js';
import type { Plan } from '../plan/types.js';

export interface ApplyOptions extends PlanOptions {
  /**
   * Apply this reviewed plan instead of planning again: a Plan that `plan()` returned, or the path
   * of a saved plan file. It is refused if stale, not for this state, not authentic or already applied.
   */
  plan?: Plan | string;
  /** The same as `plan` with a path (kept for the CLI and older callers). */
  planFile?: string;
  actor?: string;
  lockTimeoutMs?: number;
  /** Where generated secret values go (created 0600). */
  secretsOut?: string;
  /** Asked before changing anything; returning false cancels. */
  confirm?: (plan: Plan) => Promise<boolean>;
  warn?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
}
