// Output helpers more than one command uses.
import { PortalformError } from '../errors.js';
import type { Diagnostic } from '../model.js';
import { planJson } from '../plan/json.js';
import type { Plan } from '../plan/types.js';
import { renderPlanText } from '../render/text.js';
import { plural } from '../util/plural.js';
import type { Output } from './io.js';

export type PlanFormat = 'text' | 'json' | 'markdown' | 'diff' | 'html';

export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

export function failOnPlanErrors(thePlan: Plan): void {
  if (thePlan.errors.length > 0) {
    throw new PortalformError(
      `the plan has ${plural(thePlan.errors.length, 'error')}; nothing was changed`,
      thePlan.errors,
    );
  }
}

export async function renderPlan(out: Output, thePlan: Plan, format: PlanFormat): Promise<void> {
  if (format === 'json' || out.json) return out.json_(planJson(thePlan));
  await out.lines(renderPlanText(thePlan, out.color));
}

export function diagnosticJson(d: Diagnostic) {
  return { severity: d.severity, message: d.message, ...(d.location ? { location: d.location } : {}) };
}
