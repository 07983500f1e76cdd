// How many developers the scale tier seeds: PORTALFORM_SCALE, 10,000 unless set. CI runs the
// reduced size; `PORTALFORM_SCALE=100000 npm run test:scale` runs the full size the budgets were set at.
export const DEFAULT_SCALE = 10_000;

export function scaleDevelopers(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.PORTALFORM_SCALE;
  if (text === undefined || text === '') return DEFAULT_SCALE;
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < 1_000 || value % 1_000 !== 0)
    throw new Error(
      `PORTALFORM_SCALE must be a number of developers in thousands, e.g. 100000 (got ${JSON.stringify(text)})`,
    );
  return value;
}
