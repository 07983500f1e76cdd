// The console's history page after one large apply (issue 18, point 6): a 100,000-developer first
// apply records one entry of 400,000 changes (about 90 MB of JSON). The history's first view reads
// none of that entry's text (it links to a page of its own, which reads its summary and one page of
// changes at a time, in slices); the chains' verification, which must hash every byte, runs in the
// background for a chain that large, and the page shows its head meanwhile. What is read is
// counted, not timed. CI records fewer developers (test/helpers/scale.ts): still well above the
// sizes at which an entry gets a page of its own and a chain is verified in the background.
import { afterAll, describe, expect, it } from 'vitest';
import { ConsoleReadModel, TIMELINE_CHANGES } from '../src/console/read-model.js';
import { appendEntry } from '../src/history.js';
import { openStore } from '../src/store/index.js';
import { StateWriter } from '../src/store/writer.js';
import { BACKENDS, dropTestSchemas } from './helpers/backends.js';
import { CONSOLE_TOKEN, startPortal, type PortalServer } from './helpers/pages-server.js';
import { scaleDevelopers } from './helpers/scale.js';

afterAll(dropTestSchemas);

const DEVELOPERS = scaleDevelopers();

/** The redacted changes of a first apply: each developer created with three credentials. */
function firstApplyChanges(): unknown[] {
  const changes: unknown[] = [];
  for (let i = 0; i < DEVELOPERS; i++) {
    const email = `dev${String(i).padStart(6, '0')}@scale.example.com`;
    const address = `developer["${email}"]`;
    changes.push({
      address,
      kind: 'developer',
      op: 'create',
      before: null,
      after: { email, fullName: `Developer ${i}`, status: 'approved', customId: null, meta: { team: 'scale' } },
    });
    changes.push({
      address: `${address}.credential["acl:partners"]`,
      kind: 'credential',
      op: 'create',
      before: null,
      after: { type: 'acl', group: 'partners', active: true },
    });
    changes.push({
      address: `${address}.credential["key-auth:ci"]`,
      kind: 'credential',
      op: 'create',
      before: null,
      after: { type: 'key-auth', name: 'ci', key: '(sensitive)', active: true },
    });
    changes.push({
      address: `${address}.credential["hmac-auth:h${i}"]`,
      kind: 'credential',
      op: 'create',
      before: null,
      after: { type: 'hmac-auth', username: `h${i}`, secret: '(sensitive)', active: true },
    });
  }
  return changes;
}

async function signIn(server: PortalServer): Promise<string> {
  const admin = await server.app.inject({ method: 'GET', url: '/console/login' });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(admin.body)![1]!;
  const cookie = admin.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const login = await server.app.inject({
    method: 'POST',
    url: '/console/login',
    payload: `_csrf=${encodeURIComponent(csrf)}&token=${CONSOLE_TOKEN}`,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
  });
  return login.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

describe.each(BACKENDS)(`the console history after a ${DEVELOPERS}-developer apply on $name`, (backend) => {
  it('answers its first view without reading the large entry, and pages its changes from slices', {
    timeout: 600_000,
  }, async () => {
    const server = await startPortal(
      'developers:\n  - { email: ada@example.com, fullName: Ada Lovelace, status: approved }\n',
      { state: backend.newState() },
    );
    const store = openStore(server.w.state, server.w.dir);
    try {
      const changes = firstApplyChanges();
      const summary = { create: changes.length, update: 0, delete: 0, transition: 0, move: 0 };
      await store.backend
        .db()!
        .transaction()
        .execute(async (trx) => {
          const writer = new StateWriter(trx, store.backend.maxParams);
          await appendEntry(writer, 'apply', {
            kind: 'apply',
            serial: 2,
            serialBefore: 1,
            at: new Date().toISOString(),
            actor: 'ci-bot',
            lineage: 'x',
            changes,
            summary,
            toolVersion: '0.1.0',
          });
        });

      // The first view: the timeline and the chains' verification, as the page asks for them.
      const model = new ConsoleReadModel(store);
      const timeline = await model.timeline();
      const chains = await model.verification();
      expect(model.readStats.entryChars).toBeLessThan(64 * 1024); // of about 900 bytes a developer recorded
      const large = timeline.entries.find((e) => e.serial === 2)!;
      expect(large).toMatchObject({ kind: 'apply', actor: 'ci-bot', changeCount: null, entry: {} });
      expect(large.bytes).toBeGreaterThan(DEVELOPERS * 500);
      const applies = chains.find((c) => c.chain === 'apply')!;
      expect(applies).toMatchObject({ pending: { entries: 2, head: large.hash } });

      // Its verification finishes in the background, and the next view shows it.
      await model.settled();
      const verified = (await model.verification()).find((c) => c.chain === 'apply')!;
      expect(verified).toMatchObject({ result: { ok: true, entries: 2, head: large.hash } });

      // The entry's own page: its summary and the first page of changes, then the next, each read in slices.
      const before = model.readStats.entryChars;
      const first = (await model.entryPage('apply', large.seq))!;
      expect(first.changeCount).toBe(changes.length);
      expect(first.fields).toMatchObject({ kind: 'apply', actor: 'ci-bot', summary });
      expect(first.changes).toEqual(changes.slice(0, TIMELINE_CHANGES));
      const second = (await model.entryPage('apply', large.seq, first.next!))!;
      expect(second.changes).toEqual(changes.slice(TIMELINE_CHANGES, 2 * TIMELINE_CHANGES));
      expect(model.readStats.entryChars - before).toBeLessThan(1 << 20);

      const session = await signIn(server);
      const started = performance.now();
      const history = await server.app.inject({ method: 'GET', url: '/console/history', headers: { cookie: session } });
      console.info(
        `first view of /console/history on ${backend.name} after a ${DEVELOPERS}-developer apply: ${(performance.now() - started).toFixed(0)} ms (not a test)`,
      );
      expect(history.statusCode).toBe(200);
      expect(history.body).toContain(`href="/console/history/apply/${large.seq}"`);
      expect(history.body).toMatch(/Applies: (being verified|verified)/);
      expect(history.body).not.toContain('dev000000@scale.example.com');
      const entryPage = await server.app.inject({
        method: 'GET',
        url: `/console/history/apply/${large.seq}?from=${first.next}`,
        headers: { cookie: session },
      });
      expect(entryPage.statusCode).toBe(200);
      expect(entryPage.body).toContain(`${changes.length} create`);
      expect(entryPage.body).toContain('dev000050@scale.example.com');
      expect(entryPage.body).not.toContain('dev000049@scale.example.com');
      expect(entryPage.body).toContain('Next 200 changes');
    } finally {
      await store.close();
      await server.close();
    }
  });
});
