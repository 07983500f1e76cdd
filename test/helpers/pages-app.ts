// What an administrator's manifests leave in the state for the application page suites, written as
// rows: the APIs the portal publishes, a decision on a registration, and an application the
// manifests took over. (The pages only read these; the plan and apply suites test how apply writes them.)
import type { Conn } from '../../src/store/backend.js';
import { openStore } from '../../src/store/index.js';
import type { Workspace } from './cli.js';

export interface PublishedApi {
  name: string;
  title?: string;
  description?: string;
  autoApproveRegistrations?: boolean;
}

async function withState<T>(w: Pick<Workspace, 'state' | 'dir'>, work: (db: Conn) => Promise<T>): Promise<T> {
  const store = openStore(w.state, w.dir);
  try {
    const opened = await store.openExisting();
    if (!opened) throw new Error(`no state at ${w.state}`);
    return await opened.db.transaction().execute(work);
  } finally {
    await store.close();
  }
}

export function publishApis(w: Pick<Workspace, 'state' | 'dir'>, apis: PublishedApi[]): Promise<void> {
  const at = new Date().toISOString();
  return withState(w, async (tx) => {
    for (const api of apis)
      await tx
        .insertInto('pf_apis')
        .values({
          name: api.name,
          title: api.title ?? null,
          description: api.description ?? null,
          auto_approve_registrations:
            api.autoApproveRegistrations === undefined ? null : api.autoApproveRegistrations ? 1 : 0,
          acl_groups: '[]',
          created_at: at,
          updated_at: at,
        })
        .execute();
  });
}

async function applicationId(tx: Conn, email: string, application: string): Promise<string> {
  const row = await tx
    .selectFrom('pf_applications')
    .innerJoin('pf_developers', 'pf_developers.id', 'pf_applications.developer_id')
    .select('pf_applications.id as id')
    .where('pf_developers.email', '=', email)
    .where('pf_applications.name', '=', application)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** An administrator's decision on a registration, as an apply of the manifests leaves it. */
export function decideRegistration(
  w: Pick<Workspace, 'state' | 'dir'>,
  email: string,
  application: string,
  api: string,
  status: 'approved' | 'rejected' | 'revoked',
): Promise<void> {
  return withState(w, async (tx) => {
    const id = await applicationId(tx, email, application);
    await tx
      .updateTable('pf_registrations')
      .set({ status, updated_at: new Date().toISOString() })
      .where('application_id', '=', id)
      .where('api', '=', api)
      .executeTakeFirstOrThrow();
  });
}

/** The manifests declaring a self-made application, its description and registrations: it is theirs now. */
export function adoptApplication(
  w: Pick<Workspace, 'state' | 'dir'>,
  email: string,
  application: string,
): Promise<void> {
  return withState(w, async (tx) => {
    const id = await applicationId(tx, email, application);
    const at = new Date().toISOString();
    await tx
      .updateTable('pf_applications')
      .set({ origin: 'manifest', description_managed: 1, updated_at: at })
      .where('id', '=', id)
      .execute();
    await tx
      .updateTable('pf_registrations')
      .set({ origin: 'manifest', updated_at: at })
      .where('application_id', '=', id)
      .execute();
  });
}
