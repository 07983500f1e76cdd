// A sign-up proving its address, as the verification, reset and invite links will: in one state
// transaction, the developer's address is marked verified and the store's replaceTombstoneOnProof
// runs. `verify: false` runs only the latter, to see what each of the two does.
import { openStore } from '../../src/store/index.js';
import { replaceTombstoneOnProof } from '../../src/store/tombstone-rows.js';
import type { Workspace } from './cli.js';

export async function proveAddress(
  w: Pick<Workspace, 'state' | 'dir'>,
  email: string,
  { verify = true } = {},
): Promise<void> {
  const store = openStore(w.state, w.dir);
  try {
    const opened = await store.openExisting();
    if (!opened) throw new Error(`no state at ${w.state}`);
    await opened.db.transaction().execute(async (tx) => {
      if (verify) await tx.updateTable('pf_developers').set({ email_verified: 1 }).where('email', '=', email).execute();
      await replaceTombstoneOnProof(tx, email);
    });
  } finally {
    await store.close();
  }
}
