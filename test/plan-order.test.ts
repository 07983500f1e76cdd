import { describe, expect, it } from 'vitest';
import { makePlan } from '../src/engine.js';
import type { Change } from '../src/plan/types.js';
import { credential, desired, developer, state, stored, vault } from './helpers/builders.js';

const plan = (d: ReturnType<typeof desired>, s: ReturnType<typeof state>, options = {}) =>
  makePlan(d, s, vault, options);
const steps = (changes: Change[]) => changes.map((c) => `${c.op} ${c.address}`);

/** Replays steps against the set of taken unique values, as the database's constraints would. */
function replayUniqueCustomIds(initial: Record<string, string>, changes: Change[]): void {
  const taken = new Map<string, string>(); // customId → email
  const holder = new Map<string, string | null>(); // email → customId
  for (const [email, id] of Object.entries(initial)) {
    taken.set(id, email);
    holder.set(email, id);
  }
  for (const change of changes) {
    const a = change.action;
    const take = (email: string, id: string | null) => {
      const old = holder.get(email);
      if (old) taken.delete(old);
      if (id !== null) {
        const owner = taken.get(id);
        if (owner && owner !== email) throw new Error(`${change.address} takes customId ${id} still held by ${owner}`);
        taken.set(id, email);
      }
      holder.set(email, id);
    };
    if (a.do === 'developer.create') take(a.developer.email, a.developer.customId);
    if (a.do === 'developer.update' && 'customId' in a.set) take(a.email, a.set.customId ?? null);
  }
}

describe('plan ordering', () => {
  it('follows docs/manifests.md#plan-order: credential deletions, developer deletions, moves, creations, transitions, updates, credential changes', () => {
    const keep = developer('keep@example.com', 'pending');
    const gone = developer('gone@example.com', 'approved', { credentials: [credential('acl', 'g')] });
    const old = developer('old@example.com', 'approved');
    const s = state([stored(keep), stored(gone), stored(old)]);
    const d = desired(
      [
        developer('keep@example.com', 'approved', { fullName: 'Renamed', credentials: [credential('acl', 'a')] }),
        developer('new@example.com', 'approved'),
        developer('moved@example.com', 'approved'),
      ],
      [{ from: 'old@example.com', to: 'moved@example.com' }],
    );
    expect(steps(plan(d, s).changes)).toEqual([
      'delete developer["gone@example.com"].credential["acl:g"]',
      'delete developer["gone@example.com"]',
      'move developer["moved@example.com"]',
      'create developer["new@example.com"]',
      'approve developer["keep@example.com"]',
      'update developer["keep@example.com"]',
      'create developer["keep@example.com"].credential["acl:a"]',
    ]);
  });

  it('frees a customId before a new developer takes it', () => {
    const a = developer('a@example.com', 'pending', { customId: 'shared' });
    const p = plan(
      desired([
        developer('a@example.com', 'pending', { customId: 'a-new' }),
        developer('b@example.com', 'pending', { customId: 'shared' }),
      ]),
      state([stored(a)]),
    );
    expect(steps(p.changes)).toEqual(['update developer["a@example.com"]', 'create developer["b@example.com"]']);
    replayUniqueCustomIds({ 'a@example.com': 'shared' }, p.changes);
  });

  it('breaks a customId swap with one extra clearing update', () => {
    const a = developer('a@example.com', 'pending', { customId: 'x' });
    const b = developer('b@example.com', 'pending', { customId: 'y' });
    const p = plan(
      desired([
        developer('a@example.com', 'pending', { customId: 'y' }),
        developer('b@example.com', 'pending', { customId: 'x' }),
      ]),
      state([stored(a), stored(b)]),
    );
    expect(p.changes).toHaveLength(3);
    expect(p.changes[0]!.after).toEqual({ customId: null });
    expect(p.summary.update).toBe(3);
    replayUniqueCustomIds({ 'a@example.com': 'x', 'b@example.com': 'y' }, p.changes);
  });

  it('moves a basic-auth username between developers by deleting it first', () => {
    const a = developer('a@example.com', 'approved', {
      credentials: [credential('basic-auth', 'shared', {}, { password: 'p1' })],
    });
    const p = plan(
      desired([
        developer('a@example.com', 'approved'),
        developer('b@example.com', 'approved', {
          credentials: [credential('basic-auth', 'shared', {}, { password: 'p2' })],
        }),
      ]),
      state([stored(a)]),
    );
    expect(steps(p.changes)).toEqual([
      'delete developer["a@example.com"].credential["basic-auth:shared"]',
      'create developer["b@example.com"]',
      'create developer["b@example.com"].credential["basic-auth:shared"]',
    ]);
  });

  it('renames with a moved block instead of delete and create, keeping credentials', () => {
    const old = developer('old@example.com', 'approved', { credentials: [credential('acl', 'g')] });
    const p = plan(
      desired(
        [developer('new@example.com', 'approved', { credentials: [credential('acl', 'g')] })],
        [{ from: 'old@example.com', to: 'new@example.com' }],
      ),
      state([stored(old)]),
    );
    expect(steps(p.changes)).toEqual(['move developer["new@example.com"]']);
    expect(p.summary).toEqual({ create: 0, update: 0, delete: 0, transition: 0, move: 1 });
  });

  it('--replace deletes the developer with its credentials, then creates it anew', () => {
    const a = developer('a@example.com', 'rejected');
    const p = plan(
      desired([developer('a@example.com', 'approved', { credentials: [credential('acl', 'g')] })]),
      state([stored(a)]),
      {
        replace: ['developer["A@example.com"]'],
      },
    );
    expect(p.errors).toEqual([]);
    expect(steps(p.changes)).toEqual([
      'delete developer["a@example.com"]',
      'create developer["a@example.com"]',
      'create developer["a@example.com"].credential["acl:g"]',
    ]);
    expect(p.changes.every((c) => c.op === 'delete' || c.address.includes('credential') || c.replace)).toBe(true);
  });

  it('reports an illegal transition as a plan error naming the way out', () => {
    const p = plan(
      desired([developer('a@example.com', 'approved')]),
      state([stored(developer('a@example.com', 'rejected'))]),
    );
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]!.message).toMatch(/developer\["a@example.com"\].*--replace/);
  });

  it('shows a changed secret as a sensitive update, and an unchanged one as no change', () => {
    const a = developer('a@example.com', 'approved', {
      credentials: [credential('key-auth', 'ci', {}, { key: 'old-key-of-twenty-characters' })],
    });
    const s = state([stored(a)]);
    expect(plan(desired([a]), s).changes).toEqual([]);
    const changed = plan(
      desired([
        developer('a@example.com', 'approved', {
          credentials: [credential('key-auth', 'ci', {}, { key: 'new-key-of-twenty-characters' })],
        }),
      ]),
      s,
    );
    expect(changed.changes).toHaveLength(1);
    expect(changed.changes[0]!.after!.key).toBe('(sensitive value changed)');
    expect(JSON.stringify(changed)).not.toContain('new-key');
  });

  it('keeps omitted (generated) secrets and rotates them only when asked', () => {
    const a = developer('a@example.com', 'approved', { credentials: [credential('hmac-auth', 'h')] });
    const s = state([stored(a)]);
    expect(plan(desired([a]), s).changes).toEqual([]);
    const rotated = plan(desired([a]), s, { rotate: ['developer["a@example.com"].credential["hmac-auth:h"]'] });
    expect(rotated.changes.map((c) => c.after?.secret)).toEqual(['(sensitive value changed)']);
  });

  it('never deletes objects the manifest does not manage', () => {
    const selfService = stored(developer('self@example.com', 'pending'), 'self-service');
    expect(plan(desired([]), state([selfService])).changes).toEqual([]);
  });

  it('limits a plan to --target and what it needs, with a warning', () => {
    const d = desired([
      developer('a@example.com', 'approved', { credentials: [credential('acl', 'g')] }),
      developer('b@example.com', 'approved'),
    ]);
    const p = plan(d, state([]), { target: ['developer["a@example.com"].credential["acl:g"]'] });
    expect(steps(p.changes)).toEqual([
      'create developer["a@example.com"]',
      'create developer["a@example.com"].credential["acl:g"]',
    ]);
    expect(p.warnings[0]!.message).toMatch(/targeting/i);
  });
});
