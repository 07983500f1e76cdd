import { describe, expect, it } from 'vitest';
import { makePlan } from '../src/engine.js';
import type { DesiredDeveloper, MovedBlock } from '../src/model.js';
import { completePortalSettings, portalSettingsToMeta } from '../src/portal-settings.js';
import { renderPlanDiff } from '../src/render/diff.js';
import type { StateSnapshot } from '../src/store/types.js';
import { credential, desired, developer, state, stored, vault } from './helpers/builders.js';

function diffOf(
  wanted: DesiredDeveloper[],
  current: StateSnapshot,
  moved: Omit<MovedBlock, 'location'>[] = [],
  color = false,
): string {
  return renderPlanDiff(makePlan(desired(wanted, moved), current, vault, {}), current, color);
}

describe('renderPlanDiff', () => {
  it('shows an approval as a status line changing', () => {
    const ada = developer('ada@example.com', 'pending', { customId: 'ada-1' });
    expect(diffOf([{ ...ada, status: 'approved' }], state([stored(ada)]))).toBe(
      [
        '--- developer["ada@example.com"] (before)',
        '+++ developer["ada@example.com"] (after)',
        '@@ -3,4 +3,4 @@',
        ' email: ada@example.com',
        ' fullName: Test Developer',
        ' meta: {}',
        '-status: pending',
        '+status: approved',
        '',
      ].join('\n'),
    );
  });

  it('shows the portal settings before and after in full, ahead of the developers', () => {
    const ada = developer('ada@example.com', 'approved');
    const current = {
      ...state([stored(ada)]),
      meta: portalSettingsToMeta(completePortalSettings({ credentialTypes: ['key-auth', 'acl'] })),
    };
    const wanted = {
      ...desired([{ ...ada, fullName: 'Ada' }]),
      portal: completePortalSettings({ credentialTypes: ['key-auth', 'acl'], selfService: { enabled: false } }),
    };
    const output = renderPlanDiff(makePlan(wanted, current, vault, {}), current, false);
    expect(output.split(/(?=^--- )/m)[0]).toBe(
      [
        '--- portal (before)',
        '+++ portal (after)',
        '@@ -7,6 +7,6 @@',
        ' selfService:',
        '   credentialTypes:',
        '     - key-auth',
        '-  enabled: true',
        '+  enabled: false',
        '   maxApplications: 10',
        '   maxCredentials: 20',
        '',
      ].join('\n'),
    );
    expect(output).toContain('--- developer["ada@example.com"] (before)');
  });

  it('shows an added credential with its secret as (sensitive)', () => {
    const ada = developer('ada@example.com', 'approved', { credentials: [credential('acl', 'partners')] });
    const withKey = { ...ada, credentials: [...ada.credentials, credential('key-auth', 'ci', { ttl: 60 })] };
    const output = diffOf([withKey], state([stored(ada)]));
    expect(output).toContain(
      [
        '     type: acl',
        '+  key-auth:ci:',
        '+    active: true',
        '+    key: (sensitive)',
        '+    name: ci',
        '+    ttl: 60',
        '+    type: key-auth',
        ' customId: null',
      ].join('\n'),
    );
    expect(output.match(/^[+-](?![+-])/gm)).toHaveLength(6);
  });

  it('shows a deleted developer entirely removed, and a created one entirely added', () => {
    const gone = developer('gone@example.com', 'approved', { credentials: [credential('hmac-auth', 'gone-hmac')] });
    const fresh = developer('fresh@example.com', 'pending');
    const output = diffOf([fresh], state([stored(gone)]));
    const [created, deleted] = output.split(/(?=^--- )/m);
    expect(created).toMatch(
      /^--- developer\["fresh@example.com"\] \(before\)\n\+\+\+ developer\["fresh@example.com"\] \(after\)\n@@ -0,0 \+1,6 @@\n/,
    );
    expect(
      created!
        .split('\n')
        .slice(3, -1)
        .every((line) => line.startsWith('+')),
    ).toBe(true);
    expect(deleted).toMatch(
      /^--- developer\["gone@example.com"\] \(before\)\n\+\+\+ developer\["gone@example.com"\] \(after\)\n@@ -1,\d+ \+0,0 @@\n/,
    );
    expect(
      deleted!
        .split('\n')
        .slice(3, -1)
        .every((line) => line.startsWith('-')),
    ).toBe(true);
    expect(deleted).toContain('-    secret: (sensitive)');
  });

  it('marks a changed secret without showing it', () => {
    const before = developer('ada@example.com', 'approved', {
      credentials: [credential('basic-auth', 'ada', {}, { password: 'old-password-value' })],
    });
    const after = developer('ada@example.com', 'approved', {
      credentials: [credential('basic-auth', 'ada', {}, { password: 'new-password-value' })],
    });
    const current = state([stored(before)]);
    const output = diffOf([after], current);
    expect(output).toContain('-    password: (sensitive)\n+    password: (sensitive value changed)');
    expect(output).not.toMatch(/password-value/);
    const digest = current.developers[0]!.credentials[0]!.secrets.password!.digest;
    expect(output).not.toContain(digest);
  });

  it('diffs a moved developer from its old email, and a revocation deactivates its credentials', () => {
    const old = developer('ada@old.example', 'approved', { credentials: [credential('acl', 'partners')] });
    const output = diffOf([{ ...old, email: 'ada@new.example', status: 'revoked' }], state([stored(old)]), [
      { from: 'ada@old.example', to: 'ada@new.example' },
    ]);
    expect(output).toMatch(
      /^--- developer\["ada@old.example"\] \(before\)\n\+\+\+ developer\["ada@new.example"\] \(after\)\n/,
    );
    expect(output).toContain('-    active: true\n+    active: false');
    expect(output).toContain('-email: ada@old.example\n+email: ada@new.example');
    expect(output).toContain('-status: approved\n+status: revoked');
  });

  it('shows an adopted self-service developer losing its origin', () => {
    const ada = developer('ada@example.com', 'approved');
    expect(diffOf([ada], state([stored(ada, 'self-service')]))).toContain('-origin: self-service\n');
  });

  it('is empty without changes, and colours lines only when asked', () => {
    const ada = developer('ada@example.com', 'pending');
    expect(diffOf([ada], state([stored(ada)]))).toBe('');
    const plain = diffOf([{ ...ada, status: 'approved' }], state([stored(ada)]));
    const coloured = diffOf([{ ...ada, status: 'approved' }], state([stored(ada)]), [], true);
    expect(plain).not.toContain('\u001b[');
    expect(coloured).toContain('\u001b[31m-status: pending\u001b[39m');
    expect(coloured).toContain('\u001b[32m+status: approved\u001b[39m');
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(plain);
  });
});
