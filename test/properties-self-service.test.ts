// Properties (fast-check) of a portal where developers act themselves between applies (docs/unmanaged.md):
// random sign-ups, credential creations and deletions and account deletions, interleaved with
// applies of random manifests. A plan never deletes what the manifests do not manage (no
// `removed` entry is generated here) unless it deletes the developer that owns it; after each
// apply the state is the manifests plus the unmanaged objects; a re-plan is empty; and no saved
// plan applies over a self-service change to an object it touches, while one elsewhere leaves it valid.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAddress } from '../src/address.js';
import { apply, listState, plan, StalePlanError } from '../src/index.js';
import type { Plan } from '../src/plan/types.js';
import { openPortal, type PortalEngine, type Session } from '../src/portal/index.js';
import { verifyWithEngine } from './helpers/verification.js';

const RUNS = 25;
const EMAILS = ['ada', 'grace', 'linus', 'margaret', 'ken'].map((name) => `${name}@example.com`);
const PASSWORD = 'a long enough password';
const ENV = { PORTALFORM_SECRET_CI: 'ci-key-of-a-manifest-0123456789' };

type Declared = { email: string; status: 'approved' | 'revoked'; ci: boolean };
type Step =
  | { kind: 'apply'; declared: Declared[] }
  | { kind: 'signup'; email: string }
  | { kind: 'create'; email: string; name: string }
  | { kind: 'delete-credential'; email: string; name: string }
  | { kind: 'delete-account'; email: string }
  /** A saved plan, then (maybe) a self-service change before it is applied: on an object it touches, or elsewhere. */
  | { kind: 'saved'; declared: Declared[]; meanwhile: 'touched' | 'elsewhere' | 'nothing' };

const emailArb = fc.constantFrom(...EMAILS);
const nameArb = fc.constantFrom('self-1', 'self-2');
const applyArb = fc
  .uniqueArray(
    fc.record({
      email: emailArb,
      status: fc.constantFrom<'approved' | 'revoked'>('approved', 'approved', 'revoked'),
      ci: fc.boolean(),
    }),
    { selector: (d) => d.email, maxLength: 4 },
  )
  .map((declared) => ({ kind: 'apply' as const, declared }));
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 2, arbitrary: applyArb },
  { weight: 3, arbitrary: emailArb.map((email) => ({ kind: 'signup' as const, email })) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('create' as const), email: emailArb, name: nameArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('delete-credential' as const), email: emailArb, name: nameArb }),
  },
  { weight: 1, arbitrary: emailArb.map((email) => ({ kind: 'delete-account' as const, email })) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('saved' as const),
      declared: applyArb.map((a) => a.declared),
      meanwhile: fc.constantFrom<'touched' | 'elsewhere' | 'nothing'>('touched', 'elsewhere', 'nothing'),
    }),
  },
);

/** What the state should hold: each developer's status, origin and credential names. */
interface Expected {
  status: string;
  origin: 'manifest' | 'self-service';
  /** Declared by the manifest (only `ci`), or made by the developer. */
  credentials: Set<string>;
  password: boolean;
}

interface Figures {
  applies: number;
  signups: number;
  creations: number;
  adoptions: number;
  accountDeletions: number;
  staleRefusals: number;
  savedApplied: number;
}

class Run {
  readonly dir = mkdtempSync(join(tmpdir(), 'portalform-property-self-'));
  readonly options = { state: join(this.dir, 'state.db'), paths: ['manifest.yaml'], cwd: this.dir, env: ENV };
  readonly expected = new Map<string, Expected>();
  private engine: PortalEngine | null = null;
  private readonly sessions = new Map<string, Session>();
  applies = 0;
  constructor(readonly figures: Figures) {}

  async step(step: Step): Promise<void> {
    if (step.kind === 'apply') return this.apply(step.declared);
    if (step.kind === 'saved') return this.saved(step.declared, step.meanwhile);
    if (!this.engine) return; // nothing to serve before the first apply made the state
    const dev = this.expected.get(step.email);
    switch (step.kind) {
      case 'signup': {
        const outcome = await settle(
          this.engine.register({ email: step.email, fullName: 'Self Made', password: PASSWORD }),
        );
        if (dev) return expect(outcome, `${step.email} exists: refused`).toBeGreaterThanOrEqual(400);
        expect(outcome, `a new email signs up: ${outcome}`).toBe(0);
        // It proves its address with the mailed link (autoApprove then approves it).
        await verifyWithEngine(this.engine, { state: this.options.state, cwd: this.dir }, step.email, PASSWORD);
        this.figures.signups++;
        this.expected.set(step.email, {
          status: 'approved',
          origin: 'self-service',
          credentials: new Set(),
          password: true,
        });
        return;
      }
      case 'create': {
        const session = dev?.password && dev.status === 'approved' ? await this.session(step.email) : null;
        if (!session || !dev) return;
        const outcome = await settle(this.engine.createCredential(session, { type: 'key-auth', name: step.name }));
        expect(outcome, `create ${step.name} for ${step.email}`).toBe(dev.credentials.has(step.name) ? 409 : 0);
        if (outcome === 0) this.figures.creations++;
        dev.credentials.add(step.name);
        return;
      }
      case 'delete-credential': {
        const session = dev?.password && dev.status === 'approved' ? await this.session(step.email) : null;
        if (!session || !dev?.credentials.has(step.name)) return;
        const id = (await this.engine.listCredentials(session)).find((c) => c.name === step.name)!.id;
        expect(await settle(this.engine.deleteCredential(session, id))).toBe(0);
        dev.credentials.delete(step.name);
        return;
      }
      case 'delete-account': {
        // Only an unmanaged developer: a managed one would leave a tombstone that fails the next plan (docs/unmanaged.md).
        if (dev?.origin !== 'self-service' || dev.status !== 'approved') return;
        const session = await this.session(step.email);
        expect(await settle(this.engine.deleteAccount(session, { password: PASSWORD }))).toBe(0);
        this.expected.delete(step.email);
        this.sessions.delete(step.email);
        this.figures.accountDeletions++;
        return;
      }
    }
  }

  private async session(email: string): Promise<Session> {
    const kept = this.sessions.get(email);
    if (kept && (await this.engine!.authenticate((kept as Session & { token: string }).token))) return kept;
    const grant = await this.engine!.login({ email, password: PASSWORD });
    const session = { ...(await this.engine!.authenticate(grant.token))!, token: grant.token };
    this.sessions.set(email, session);
    return session;
  }

  /** The manifest for `declared`: one key cannot be declared for two developers, so only the first that wants it gets it. */
  private writeManifest(declared: Declared[]): void {
    const holder = declared.find((d) => d.ci)?.email;
    for (const d of declared) d.ci = d.email === holder;
    const developers = declared.map((d) => ({
      email: d.email,
      fullName: 'Declared',
      status: d.status,
      credentials: d.ci ? [{ type: 'key-auth', name: 'ci', key: { fromEnv: 'PORTALFORM_SECRET_CI' } }] : [],
    }));
    writeFileSync(
      join(this.dir, 'manifest.yaml'),
      JSON.stringify({ version: 1, portal: { autoApprove: true }, developers }, null, 2),
    );
  }

  /**
   * A saved plan stays valid over self-service elsewhere (a sign-up), and is refused as stale over
   * a self-service change to a developer it touches (docs/unmanaged.md); the state is then as it was.
   */
  private async saved(declared: Declared[], meanwhile: 'touched' | 'elsewhere' | 'nothing'): Promise<void> {
    if (!this.engine) return this.apply(declared);
    this.writeManifest(declared);
    const reviewed = await plan(this.options);
    const touched = [...new Set(reviewed.changes.map((c) => emailOf(c.address)))].filter((email) => {
      const dev = this.expected.get(email);
      return dev?.password && dev.status === 'approved' && !dev.credentials.has('self-late');
    });
    if (meanwhile === 'touched' && touched.length > 0) {
      const email = touched[0]!;
      expect(
        await settle(this.engine.createCredential(await this.session(email), { type: 'key-auth', name: 'self-late' })),
      ).toBe(0);
      this.expected.get(email)!.credentials.add('self-late');
      const before = await this.stored();
      const refused = await apply({ ...this.options, plan: reviewed }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused, `a saved plan over a change to ${email}, which it touches`).toBeInstanceOf(StalePlanError);
      expect(await this.stored(), 'a refused plan changes nothing').toEqual(before);
      this.figures.staleRefusals++;
      return this.apply(declared);
    }
    if (meanwhile === 'elsewhere') {
      const email = `elsewhere${this.figures.signups}@signup.example.com`;
      expect(await settle(this.engine.register({ email, fullName: 'Elsewhere', password: PASSWORD }))).toBe(0);
      await verifyWithEngine(this.engine, { state: this.options.state, cwd: this.dir }, email, PASSWORD);
      this.expected.set(email, { status: 'approved', origin: 'self-service', credentials: new Set(), password: true });
      this.figures.signups++;
    }
    await this.apply(declared, reviewed);
    this.figures.savedApplied++;
  }

  private async apply(declared: Declared[], reviewed?: Plan): Promise<void> {
    if (!reviewed) this.writeManifest(declared);
    this.figures.adoptions += declared.filter((d) => this.expected.get(d.email)?.origin === 'self-service').length;

    const unmanaged = new Set(
      [...this.expected].filter(([, e]) => e.origin === 'self-service').map(([email]) => email),
    );
    const result = await apply(reviewed ? { ...this.options, plan: reviewed } : this.options);
    const deletedDevelopers = new Set(
      result.plan.changes.filter((c) => c.kind === 'developer' && c.op === 'delete').map((c) => c.address),
    );
    for (const change of result.plan.changes.filter((c) => c.op === 'delete')) {
      const email = emailOf(change.address);
      expect(
        unmanaged.has(email) && change.kind === 'developer',
        `${change.address}: an unmanaged developer is never deleted`,
      ).toBe(false);
      if (change.kind === 'credential' && !deletedDevelopers.has(`developer[${JSON.stringify(email)}]`)) {
        expect(change.address, 'only a declared credential is deleted while its developer stays').toContain(
          'key-auth:ci',
        );
      }
    }
    this.expectAfterApply(declared);
    expect(await this.stored()).toEqual(this.expectedListing());
    expect((await plan(this.options)).changes, 're-plan after apply').toEqual([]);
    this.applies++;
    if (!this.engine) this.engine = await openPortal({ state: this.options.state, cwd: this.dir, env: ENV });
  }

  private expectAfterApply(declared: Declared[]): void {
    const wanted = new Map(declared.map((d) => [d.email, d]));
    for (const [email, e] of [...this.expected]) {
      // A managed developer left out is deleted, with everything it owns.
      if (e.origin === 'manifest' && !wanted.has(email)) {
        this.expected.delete(email);
        this.sessions.delete(email);
      }
    }
    for (const d of declared) {
      const e = this.expected.get(d.email) ?? {
        status: d.status,
        origin: 'manifest' as const,
        credentials: new Set<string>(),
        password: false,
      };
      e.status = d.status;
      e.origin = 'manifest';
      if (d.ci) e.credentials.add('ci');
      else e.credentials.delete('ci');
      if (d.status !== 'approved') this.sessions.delete(d.email);
      this.expected.set(d.email, e);
    }
  }

  private expectedListing() {
    return [...this.expected]
      .map(([email, e]) => ({ email, status: e.status, origin: e.origin, credentials: [...e.credentials].sort() }))
      .sort((a, b) => a.email.localeCompare(b.email));
  }

  private async stored() {
    const listing = await listState(this.options);
    return listing.developers
      .map((d) => ({
        email: d.email,
        status: d.status,
        origin: d.origin,
        credentials: d.credentials.map((c) => String(c.name)).sort(),
      }))
      .sort((a, b) => a.email.localeCompare(b.email));
  }

  async close(): Promise<void> {
    await this.engine?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function emailOf(address: string): string {
  return parseAddress(address).email;
}

/** 0 when the promise resolves, else the refusal's HTTP status (500 for anything unexpected). */
async function settle(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 0;
  } catch (error) {
    return (error as { status?: number }).status ?? 500;
  }
}

describe('self-service between applies', () => {
  it(`never deletes what the manifests do not manage, and the state is the manifests plus the unmanaged objects (${RUNS} runs)`, async () => {
    const figures: Figures = {
      applies: 0,
      signups: 0,
      creations: 0,
      adoptions: 0,
      accountDeletions: 0,
      staleRefusals: 0,
      savedApplied: 0,
    };
    await fc.assert(
      fc.asyncProperty(applyArb, fc.array(stepArb, { minLength: 6, maxLength: 14 }), async (first, steps) => {
        const run = new Run(figures);
        try {
          for (const step of [first, ...steps]) await run.step(step);
          figures.applies += run.applies;
        } finally {
          await run.close();
        }
      }),
      {
        numRuns: RUNS,
        // Always among the runs: a plan deleting a developer who made a credential since, one
        // applied over a sign-up elsewhere, and an account deleted between applies.
        examples: [
          [
            { kind: 'apply', declared: [] },
            [
              { kind: 'signup', email: EMAILS[1]! },
              { kind: 'create', email: EMAILS[1]!, name: 'self-1' },
              { kind: 'delete-account', email: EMAILS[1]! },
              { kind: 'apply', declared: [] },
            ],
          ],
          [
            { kind: 'apply', declared: [] },
            [
              { kind: 'signup', email: EMAILS[0]! },
              { kind: 'apply', declared: [{ email: EMAILS[0]!, status: 'approved', ci: false }] },
              { kind: 'saved', declared: [], meanwhile: 'touched' },
            ],
          ],
          [
            { kind: 'apply', declared: [] },
            [
              { kind: 'signup', email: EMAILS[0]! },
              { kind: 'saved', declared: [{ email: EMAILS[0]!, status: 'revoked', ci: true }], meanwhile: 'elsewhere' },
            ],
          ],
        ],
      },
    );
    // The runs must have exercised what they claim to: each kind of self-service action, and adoptions.
    expect(figures.applies).toBeGreaterThanOrEqual(RUNS);
    for (const kind of [
      'signups',
      'creations',
      'adoptions',
      'accountDeletions',
      'staleRefusals',
      'savedApplied',
    ] as const)
      expect(figures[kind], kind).toBeGreaterThan(0);
  }, 600_000);
});
