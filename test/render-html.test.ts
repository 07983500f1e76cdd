import { describe, expect, it } from 'vitest';
import { makePlan } from '../src/engine.js';
import type { DesiredDeveloper } from '../src/model.js';
import { escapeHtml, html, raw } from '../src/render/html-template.js';
import type { Plan } from '../src/plan/types.js';
import { REPORT_CSP, renderPlanHtml, type UnmanagedObject } from '../src/render/html.js';
import { EMPTY_STATE, type StateSnapshot } from '../src/store/types.js';
import { credential, desired, developer, state, stored, vault } from './helpers/builders.js';

function planOf(wanted: DesiredDeveloper[], current: StateSnapshot = EMPTY_STATE): Plan {
  return makePlan(desired(wanted), current, vault, {});
}

function report(plan: Plan): string {
  return [...renderPlanHtml(plan, { generatedAt: new Date('2026-01-02T03:04:05Z') })].join('\n');
}

const HOSTILE = '<script>alert("x")</script>';

describe('html and escapeHtml', () => {
  it('escapes every interpolated value unless it is SafeHtml, and joins arrays', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    const items = ['<b>', html`<i>${'&'}</i>`];
    expect(html`<p title="${'"'}">${items}${null}${undefined}${false}${0}${raw('<br>')}</p>`.text).toBe(
      '<p title="&quot;">&lt;b&gt;<i>&amp;</i>0<br></p>',
    );
  });
});

describe('renderPlanHtml', () => {
  it('is one self-contained document: a CSP that allows no request, inline style and script only, no external reference', () => {
    const page = report(planOf([developer('ada@example.com', 'approved')]));
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page.trimEnd().endsWith('</html>')).toBe(true);
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="${escapeHtml(REPORT_CSP)}">`);
    expect(REPORT_CSP).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+';/);
    expect(page).not.toMatch(/\b(src|href)=/);
    expect(page).not.toMatch(/https?:\/\//);
  });

  it('escapes a hostile email and full name everywhere they appear', () => {
    const evil = developer('evil"<script>@example.com', 'approved', { fullName: HOSTILE });
    const page = report(planOf([evil]));
    expect(page).not.toContain(HOSTILE);
    expect(page).not.toContain('evil"<script>');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // The only script element is the report's own.
    expect(page.match(/<script>/g)).toHaveLength(1);
  });

  it('shows the summary, and one collapsible section per developer with its changes as the text plan shows them', () => {
    const page = report(
      planOf([
        developer('ada@example.com', 'approved', { credentials: [credential('key-auth', 'ci')] }),
        developer('bob@example.com', 'pending'),
      ]),
    );
    expect(page).toContain(
      '<strong>Plan: 3 to create, 0 to update, 0 to delete, 0 status transitions, 0 to move.</strong>',
    );
    expect(page).toContain('<li><strong>3</strong> to create</li>');
    const sections = page.match(/<details class="developer"[^>]*>/g) ?? [];
    expect(sections).toEqual([
      '<details class="developer" data-filter="ada@example.com test developer">',
      '<details class="developer" data-filter="bob@example.com test developer">',
    ]);
    expect(page).toContain(
      '<summary><code>developer[&quot;ada@example.com&quot;]</code> · 2 changes: create</summary>',
    );
    expect(page).toContain('<span class="add">  + credential &quot;key-auth:ci&quot; {</span>');
    expect(page).toMatch(/<span class="add"> {6}\+ key {4}= \(sensitive\)<\/span>/);
    expect(page).toContain('<label for="filter">Filter developers by email or name</label>');
    expect(page).not.toContain('class="warning"');
  });

  it('warns about deletes, replacements and revocations, naming each', () => {
    const ada = developer('ada@example.com', 'approved', { credentials: [credential('key-auth', 'old')] });
    const bob = developer('bob@example.com', 'approved');
    const current = state([stored(ada), stored(bob)]);
    const page = report(
      planOf(
        [
          { ...ada, credentials: [] },
          { ...bob, status: 'revoked' },
        ],
        current,
      ),
    );
    expect(page).toContain(
      'Warning: this plan deletes 1 object, revokes 1 developer (their credentials stop working)</h2>',
    );
    expect(page).toContain(
      '<li><code>developer[&quot;ada@example.com&quot;].credential[&quot;key-auth:old&quot;]</code> will be deleted</li>',
    );
    expect(page).toContain(
      '<li><code>developer[&quot;bob@example.com&quot;]</code> will be revoked (its credentials stop working)</li>',
    );
    expect(page).toContain('<span class="del">  - credential &quot;key-auth:old&quot; {</span>');
  });

  it('says there is nothing to do for an empty plan, with no developer section or filter', () => {
    const ada = developer('ada@example.com', 'approved');
    const page = report(planOf([ada], state([stored(ada)])));
    expect(page).toContain('No changes. The state matches the manifests.');
    expect(page).not.toContain('<details class="developer"');
    expect(page).not.toContain('id="filter"');
  });

  it('lists the objects the manifests do not manage when the plan has them, pending access requests first', () => {
    const plan = planOf([developer('ada@example.com', 'approved')]);
    const unmanaged: UnmanagedObject[] = [
      {
        address: 'developer["old@example.com"]',
        kind: 'developer',
        origin: 'self-service',
        status: 'approved',
        createdAt: '2026-01-01T00:00:00Z',
      },
      {
        address: 'developer["new<b>@example.com"]',
        kind: 'developer',
        origin: 'self-service',
        status: 'pending',
        createdAt: '2026-01-02T00:00:00Z',
      },
    ];
    const page = report({ ...plan, unmanaged } as Plan);
    expect(page).toContain('Not managed by the manifests');
    expect(page).toContain('1 pending access request, oldest first');
    expect(page.indexOf('new&lt;b&gt;@example.com')).toBeGreaterThan(0);
    // Other unmanaged developers are counted, not named.
    expect(page).toContain('1 other self-registered developer');
    expect(page).not.toContain('old@example.com');
    expect(report(plan)).not.toContain('Not managed by the manifests');
  });

  it('yields the document in pieces per developer rather than as one string', () => {
    const wanted = Array.from({ length: 50 }, (_, i) => developer(`dev${i}@example.com`, 'approved'));
    const pieces = [...renderPlanHtml(planOf(wanted))];
    expect(pieces.length).toBeGreaterThan(50);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(5000);
  });
});
