// Properties (fast-check): random sequences of valid manifests always apply, leave the state equal
// to the manifest with an empty re-plan, and every plan, replayed step by step, keeps the portal's
// rules at every moment. And the loader, fed mutated corpus files, only ever returns diagnostics.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apply, EDGES, loadManifests, listState, plan, readState, transitionPath } from '../src/index.js';
import type { StateListing } from '../src/inspect.js';
import { CREDENTIAL_SPECS, type CredentialType, type Status } from '../src/model.js';
import type { Change } from '../src/plan/types.js';
import type { StateSnapshot } from '../src/store/types.js';
import { ROOT } from './helpers/cli.js';

const SEQUENCE_RUNS = 60;
const FUZZ_RUNS = 1000;

// ---------------------------------------------------------------- the manifest model and its arbitraries

const EMAILS = ['ada', 'grace', 'linus', 'margaret', 'dennis', 'ken', 'barbara', 'edsger'].map(
  (name) => `${name}@example.com`,
);
/** Pools of unique values: each manifest hands them out in a random order, so they move and swap between developers. */
const POOLS = {
  customId: ['id-1', 'id-2', 'id-3'],
  keyVar: ['PORTALFORM_SECRET_K1', 'PORTALFORM_SECRET_K2', 'PORTALFORM_SECRET_K3'],
  basicUsername: ['basic-1', 'basic-2'],
  hmacUsername: ['hmac-1', 'hmac-2', 'hmac-3'],
  jwtKey: ['issuer-1', 'issuer-2'],
  clientId: ['client-1', 'client-2'],
};
type Pool = keyof typeof POOLS;
const ENV = Object.fromEntries(POOLS.keyVar.map((name, i) => [name, `key-auth-value-of-length-${i + 1}`]));
const STATE_KEY = 'property-test-state-key-0123456789abcdef';

type ModelCredential =
  | { type: 'acl'; group: string }
  | { type: 'key-auth'; name: string; key: { fromEnv: string } }
  | { type: 'basic-auth'; username: string }
  | { type: 'hmac-auth'; username: string }
  | { type: 'jwt'; key: string }
  | { type: 'oauth2'; name: string; clientId: string };

interface ModelDeveloper {
  email: string;
  fullName: string;
  status: Status;
  customId?: string;
  meta: Record<string, string>;
  credentials: ModelCredential[];
}

const slotArb = fc.record({
  present: fc.constantFrom(true, true, true, false),
  upperCaseEmail: fc.boolean(),
  // Mostly approved, so credentials are many and their unique values move and swap between developers.
  status: fc.constantFrom<Status>('approved', 'approved', 'approved', 'revoked', 'pending', 'rejected'),
  fullName: fc.constantFrom('First Name', 'Second Name'),
  meta: fc.constantFrom<Record<string, string>>({}, { team: 'blue' }, { team: 'red', tier: 'gold' }),
  wantsCustomId: fc.boolean(),
  aclGroups: fc.subarray(['partners', 'beta']),
  keyAuthNames: fc.constantFrom(['ci'], ['ci'], ['ci', 'laptop'], []),
  wants: fc.record({ basic: fc.boolean(), hmac: fc.boolean(), jwt: fc.boolean(), oauth2: fc.boolean() }),
});
type Slot = typeof slotArb extends fc.Arbitrary<infer S> ? S : never;

const permutation = (values: string[]) => fc.shuffledSubarray(values, { minLength: values.length });
const manifestArb = fc
  .record({
    slots: fc.array(slotArb, { minLength: EMAILS.length, maxLength: EMAILS.length }),
    order: fc.record(
      Object.fromEntries(Object.entries(POOLS).map(([pool, values]) => [pool, permutation(values)])) as Record<
        Pool,
        fc.Arbitrary<string[]>
      >,
    ),
  })
  .map(({ slots, order }) => buildManifest(slots, order));

/** Hands out each pool's values in the drawn order: a value goes to at most one developer, so the manifest is valid. */
function buildManifest(slots: Slot[], order: Record<Pool, string[]>): ModelDeveloper[] {
  const next = (pool: Pool): string | undefined => order[pool].shift();
  return slots.flatMap((slot, i): ModelDeveloper[] => {
    if (!slot.present) return [];
    const email = slot.upperCaseEmail ? EMAILS[i]!.toUpperCase() : EMAILS[i]!;
    const customId = slot.wantsCustomId ? next('customId') : undefined;
    const holdsCredentials = slot.status === 'approved' || slot.status === 'revoked';
    const credentials = holdsCredentials ? credentialsOf(slot, next) : [];
    return [
      {
        email,
        fullName: slot.fullName,
        status: slot.status,
        ...(customId ? { customId } : {}),
        meta: slot.meta,
        credentials,
      },
    ];
  });
}

function credentialsOf(slot: Slot, next: (pool: Pool) => string | undefined): ModelCredential[] {
  const credentials: ModelCredential[] = slot.aclGroups.map((group) => ({ type: 'acl', group }));
  for (const name of slot.keyAuthNames) {
    const keyVar = next('keyVar');
    if (keyVar) credentials.push({ type: 'key-auth', name, key: { fromEnv: keyVar } });
  }
  const optional: Array<[boolean, Pool, (value: string) => ModelCredential]> = [
    [slot.wants.basic, 'basicUsername', (username) => ({ type: 'basic-auth', username })],
    [slot.wants.hmac, 'hmacUsername', (username) => ({ type: 'hmac-auth', username })],
    [slot.wants.jwt, 'jwtKey', (key) => ({ type: 'jwt', key })],
    [slot.wants.oauth2, 'clientId', (clientId) => ({ type: 'oauth2', name: 'app', clientId })],
  ];
  for (const [wanted, pool, make] of optional) {
    const value = wanted ? next(pool) : undefined;
    if (value) credentials.push(make(value));
  }
  return credentials;
}

// ---------------------------------------------------------------- what the state must look like

const IDENTITY_FIELD = Object.fromEntries(
  Object.entries(CREDENTIAL_SPECS).map(([type, spec]) => [type, spec.identityField]),
) as Record<CredentialType, string>;

/** A credential as one comparable line: type, identity, its visible unique value, and whether it is active. */
function credentialLine(credential: Record<string, unknown>, active: boolean): string {
  const type = credential.type as CredentialType;
  return `${type}:${String(credential[IDENTITY_FIELD[type]])}:${String(credential.clientId ?? '')}:${active ? 'active' : 'inactive'}`;
}

function expectedDevelopers(model: ModelDeveloper[]) {
  return model
    .map((d) => ({
      email: d.email.toLowerCase(),
      fullName: d.fullName,
      status: d.status,
      customId: d.customId ?? null,
      meta: d.meta,
      credentials: d.credentials.map((c) => credentialLine(c, d.status === 'approved')).sort(),
    }))
    .sort((a, b) => a.email.localeCompare(b.email));
}

function storedDevelopers(listing: StateListing) {
  return listing.developers
    .map(({ origin, emailVerified, applications, ...d }) => {
      // Every object these runs store comes from the manifests, whose addresses count as verified.
      expect(origin).toBe('manifest');
      expect(emailVerified).toBe(true);
      expect(applications).toEqual([]); // these manifests declare none

      const credentials = d.credentials.map(({ origin: credentialOrigin, ...c }) => {
        expect(credentialOrigin).toBe('manifest');
        return credentialLine(c, c.active === true);
      });
      return { ...d, credentials: credentials.sort() };
    })
    .sort((a, b) => a.email.localeCompare(b.email));
}

/** Kong's uniqueness rules and the life cycle's, checked on the stored rows themselves. */
function expectStateInvariants(state: StateSnapshot): void {
  const customIds = state.developers.flatMap((d) => (d.customId === null ? [] : [d.customId]));
  expect(new Set(customIds).size).toBe(customIds.length);
  const uniqueValues = state.developers.flatMap((d) =>
    d.credentials.flatMap((c) => (c.uniqueValue === null ? [] : [`${c.type}\0${c.uniqueValue}`])),
  );
  expect(new Set(uniqueValues).size).toBe(uniqueValues.length);
  for (const developer of state.developers) {
    if (developer.status !== 'approved') expect(developer.credentials.filter((c) => c.active)).toEqual([]);
    if (developer.status === 'pending' || developer.status === 'rejected') expect(developer.credentials).toEqual([]);
  }
}

// ---------------------------------------------------------------- replaying a plan step by step

interface ReplayDeveloper {
  status: Status;
  customId: string | null;
  /** Credential key `type:identity` → its unique value (null when it has none or it is not known before apply). */
  credentials: Map<string, string | null>;
}

const PHASE_OF: Record<Change['action']['do'], number> = {
  'portal.update': -1,
  'credential.delete': 0,
  'registration.delete': 0,
  'application.delete': 1,
  'developer.delete': 2,
  'tombstone.clear': 2,
  'api.delete': 3,
  'developer.move': 4,
  'application.move': 4,
  'api.move': 4,
  'api.create': 5,
  'api.update': 5,
  'developer.create': 6,
  'developer.transition': 7,
  'credential.activation': 7,
  'developer.update': 8,
  'application.create': 9,
  'application.update': 9,
  'credential.create': 10,
  'credential.update': 10,
  'registration.create': 11,
  'registration.update': 11,
  'registration.transition': 11,
};

/**
 * Runs the plan's steps one at a time on a model of the state, failing at the first step that
 * would break a rule: a unique value taken while still held, an illegal status edge, credentials
 * on a pending or rejected developer, a developer deleted before its credentials.
 */
class Replay {
  private readonly developers = new Map<string, ReplayDeveloper>();

  constructor(state: StateSnapshot) {
    for (const d of state.developers) {
      const credentials = new Map(d.credentials.map((c) => [`${c.type}:${c.identity}`, c.uniqueValue]));
      this.developers.set(d.email, { status: d.status, customId: d.customId, credentials });
    }
  }

  run(changes: Change[]): void {
    for (const [index, change] of changes.entries()) {
      try {
        this.step(change);
        this.checkInvariants();
      } catch (error) {
        throw new Error(`step ${index + 1} (${change.op} ${change.address}): ${(error as Error).message}`);
      }
    }
  }

  private step(change: Change): void {
    const a = change.action;
    switch (a.do) {
      case 'developer.create':
        expect(this.developers.has(a.developer.email), 'created twice').toBe(false);
        this.developers.set(a.developer.email, {
          status: a.developer.status,
          customId: a.developer.customId,
          credentials: new Map(),
        });
        return;
      case 'developer.delete':
        expect(
          [...this.developer(a.email).credentials.keys()],
          'credentials are deleted before their developer',
        ).toEqual([]);
        this.developers.delete(a.email);
        return;
      case 'developer.move':
        expect(this.developers.has(a.to), 'moved onto an existing developer').toBe(false);
        this.developers.set(a.to, this.developer(a.from));
        this.developers.delete(a.from);
        return;
      case 'developer.transition': {
        const developer = this.developer(a.email);
        expect(developer.status).toBe(a.from);
        expect(
          EDGES.some((e) => e.from === a.from && e.to === a.to),
          `${a.from} → ${a.to} is an edge of the life cycle`,
        ).toBe(true);
        developer.status = a.to;
        return;
      }
      case 'developer.update':
        if ('customId' in a.set) this.developer(a.email).customId = a.set.customId ?? null;
        return;
      case 'credential.delete':
        expect(
          this.developer(a.email).credentials.delete(`${a.type}:${a.identity}`),
          'deletes an existing credential',
        ).toBe(true);
        return;
      case 'credential.create':
      case 'credential.update': {
        const credentials = this.developer(a.email).credentials;
        const key = `${a.type}:${a.identity}`;
        expect(
          credentials.has(key),
          a.do === 'credential.create' ? 'created once' : 'updates an existing credential',
        ).toBe(a.do === 'credential.update');
        credentials.set(
          key,
          a.do === 'credential.update' && a.clearUnique
            ? null
            : (plannedUniqueValue(a) ?? credentials.get(key) ?? null),
        );
        return;
      }
    }
  }

  private developer(email: string): ReplayDeveloper {
    const developer = this.developers.get(email);
    if (!developer) throw new Error(`${email} does not exist at this step`);
    return developer;
  }

  private checkInvariants(): void {
    const customIds = [...this.developers.values()].flatMap((d) => (d.customId === null ? [] : [d.customId]));
    expect(new Set(customIds).size, `customIds unique: ${customIds}`).toBe(customIds.length);
    const values = [...this.developers.values()].flatMap((d) =>
      [...d.credentials.entries()].flatMap(([key, value]) =>
        value === null ? [] : [`${key.split(':')[0]}\0${value}`],
      ),
    );
    expect(new Set(values).size, 'unique credential values unique').toBe(values.length);
    for (const [email, d] of this.developers) {
      if (d.status === 'pending' || d.status === 'rejected')
        expect(d.credentials.size, `${email} is ${d.status} and holds credentials`).toBe(0);
    }
  }
}

/** The unique value a create or update gives its credential, when the plan knows it (a given secret's digest or a field). */
function plannedUniqueValue(
  action: Extract<Change['action'], { do: 'credential.create' | 'credential.update' }>,
): string | null {
  const field = CREDENTIAL_SPECS[action.type].uniqueField;
  if (!field) return null;
  const secret = action.secrets?.[field];
  if (secret) return secret.mode === 'given' ? secret.digest : null;
  const value = action.fields?.[field];
  return typeof value === 'string' ? value : null;
}

/** docs/manifests.md#plan-order's order, allowing one exception: a step may wait for the step that frees the unique value it takes. */
function expectPhaseOrder(changes: Change[]): void {
  const createdAt = new Map<string, number>();
  changes.forEach((change, i) => {
    const a = change.action;
    if (a.do === 'developer.create') createdAt.set(a.developer.email, i);
    if (a.do === 'developer.transition' || a.do === 'credential.create') {
      const created = createdAt.get(a.email);
      if (created !== undefined)
        expect(created, `${change.address} comes after its developer's creation`).toBeLessThan(i);
    }
  });
  const deletions = changes.map((c) => PHASE_OF[c.action.do]).filter((phase) => phase <= 1);
  expect(deletions, 'credential deletions, then developer deletions, first').toEqual([...deletions].sort());
  const firstNonDeletion = changes.findIndex((c) => PHASE_OF[c.action.do] > 1);
  if (firstNonDeletion >= 0) expect(changes.slice(firstNonDeletion).every((c) => PHASE_OF[c.action.do] > 1)).toBe(true);
}

// ---------------------------------------------------------------- the properties

/** Developers whose stored status cannot reach the manifest's: they start over with --replace. */
function replacementsNeeded(state: StateSnapshot, model: ModelDeveloper[]): string[] {
  const stored = new Map(state.developers.map((d) => [d.email, d.status]));
  return model.flatMap((d) => {
    const from = stored.get(d.email.toLowerCase());
    return from && !transitionPath(from, d.status).ok ? [`developer[${JSON.stringify(d.email.toLowerCase())}]`] : [];
  });
}

/** Updates that free a unique value to break a swap: the same object is updated twice in one plan. */
function clearingUpdates(changes: Change[]): number {
  const updated = changes.filter((c) => c.op === 'update').map((c) => c.address);
  return updated.length - new Set(updated).size;
}

interface SequenceFigures {
  applies: number;
  steps: number;
  replacements: number;
  clearingUpdates: number;
}

async function applySequence(sequence: ModelDeveloper[][], figures: SequenceFigures): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'portalform-property-'));
  const options = { state: join(dir, 'state.db'), paths: ['manifest.yaml'], cwd: dir, env: ENV, stateKey: STATE_KEY };
  try {
    for (const model of sequence) {
      writeFileSync(join(dir, 'manifest.yaml'), JSON.stringify({ version: 1, developers: model }, null, 2));
      const before = await readState(options);
      const replace = replacementsNeeded(before, model);
      const result = await apply({ ...options, replace });
      new Replay(before).run(result.plan.changes);
      expectPhaseOrder(result.plan.changes);
      expect(storedDevelopers(await listState(options))).toEqual(expectedDevelopers(model));
      expectStateInvariants(await readState(options));
      expect((await plan(options)).changes).toEqual([]);
      figures.applies++;
      figures.steps += result.plan.changes.length;
      figures.replacements += replace.length;
      figures.clearingUpdates += clearingUpdates(result.plan.changes);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('random sequences of valid manifests', () => {
  it(`apply to exactly the manifest, re-plan empty, and keep every rule at every step (${SEQUENCE_RUNS} runs)`, async () => {
    const figures: SequenceFigures = { applies: 0, steps: 0, replacements: 0, clearingUpdates: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(manifestArb, { minLength: 2, maxLength: 4 }), (sequence) =>
        applySequence(sequence, figures),
      ),
      { numRuns: SEQUENCE_RUNS },
    );
    console.info(`properties: ${SEQUENCE_RUNS} sequences, ${JSON.stringify(figures)}`);
    // The generator reaches the interesting cases: status changes that need --replace, and swapped unique values.
    expect(figures.replacements).toBeGreaterThan(0);
    expect(figures.clearingUpdates).toBeGreaterThan(0);
  }, 300_000);
});

// ---------------------------------------------------------------- fuzzing the loader

function corpusFiles(): Buffer[] {
  const files: Buffer[] = [];
  for (const corpus of ['test/corpus', 'test/corpus-valid']) {
    for (const relative of readdirSync(join(ROOT, corpus), { recursive: true, encoding: 'utf8' })) {
      if (/\.(ya?ml|json)$/.test(relative) && !relative.endsWith('expect.json'))
        files.push(readFileSync(join(ROOT, corpus, relative)));
    }
  }
  return files;
}

const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('insertText' as const),
    at: fc.nat(),
    text: fc.constantFrom('\t', '\0', '\r', ': ', '- ', '&a ', '*a', '{', ']', '"', '\uFEFF', '---\n', '\n  '),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Buffer, mutation: Mutation): Buffer {
  const at = bytes.length === 0 ? 0 : mutation.at % (bytes.length + 1);
  switch (mutation.kind) {
    case 'flip': {
      const copy = Buffer.from(bytes);
      if (at < copy.length) copy[at] = copy[at]! ^ (1 << mutation.bit);
      return copy;
    }
    case 'truncate':
      return bytes.subarray(0, at);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(mutation.bytes), bytes.subarray(at)]);
    case 'insertText':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(mutation.text), bytes.subarray(at)]);
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + mutation.length)]);
  }
}

/** A clear error: a message a person can read, located in the file that has it. */
function expectClearDiagnostics(result: Awaited<ReturnType<typeof loadManifests>>, file: string): void {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  expect(result.desired === null).toBe(errors.length > 0);
  for (const d of result.diagnostics) {
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.message.length).toBeLessThan(2_000);
    expect(d.location?.file).toBe(file);
    expect(d.location!.line).toBeGreaterThanOrEqual(1);
    expect(d.location!.column).toBeGreaterThanOrEqual(1);
  }
}

describe('the loader, fed mutated corpus files', () => {
  it(`returns located diagnostics and never throws (${FUZZ_RUNS} runs)`, async () => {
    const files = corpusFiles();
    const dir = mkdtempSync(join(tmpdir(), 'portalform-fuzz-'));
    const file = join(dir, 'manifest.yaml');
    let refused = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: files.length - 1 }),
          fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
          async (index, mutations) => {
            writeFileSync(file, mutations.reduce(mutate, files[index]!));
            const result = await loadManifests({ paths: [file], cwd: dir, env: ENV });
            expectClearDiagnostics(result, file);
            if (result.desired === null) refused++;
          },
        ),
        { numRuns: FUZZ_RUNS },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    console.info(
      `loader fuzz: ${FUZZ_RUNS} mutated files from ${files.length} corpus files, ${refused} refused with located errors`,
    );
    expect(refused).toBeGreaterThan(FUZZ_RUNS / 4);
  }, 120_000);
});
