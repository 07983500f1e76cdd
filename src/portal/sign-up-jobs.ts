// What `serve` does for unverified sign-ups on its own (docs/portal-service.md, "Mail"): deletes
// those whose first verification link is 7 days old, freeing their address, and mails a first link
// to those that never had one (sign-ups older than mail). Several instances may run both at once:
// each developer is locked and checked again in its own transaction, so each happens once.
import { developerAddress } from '../model.js';
import { deleteCredentialsOf } from '../store/credential-rows.js';
import { deleteDeveloper } from '../store/developer-rows.js';
import { deleteInvitesOf } from '../store/invite-rows.js';
import { dropDeveloperMessages, enqueueMessage } from '../store/outbox.js';
import { deleteSessionsOf } from '../store/session-rows.js';
import {
  everMailedVerification,
  firstVerificationSent,
  signUpsNeverMailed,
  signUpsToExpire,
} from '../store/verification-rows.js';
import { outboxEntry } from '../mail/messages.js';
import { ignoreBusy, selfService } from './answers.js';
import type { PortalContext } from './portal-context.js';
import { isVerified, verifyMessage } from './verification.js';

/** How long a sign-up has to verify, from the first verification message sent to it. */
export const SIGN_UP_LIFETIME_MS = 7 * 24 * 3600_000;

export class SignUpJobs {
  constructor(private readonly context: PortalContext) {}

  /** Deletes the unverified sign-ups whose first link was sent 7 days ago or more; returns how many. */
  async expire(): Promise<number> {
    const cutoff = new Date(this.context.now() - SIGN_UP_LIFETIME_MS).toISOString();
    let deleted = 0;
    for (;;) {
      const ids = await signUpsToExpire(this.context.state.db, cutoff);
      let round = 0;
      // A busy state leaves the sign-up to the next sweep (here, or on another instance).
      for (const id of ids) if (await this.expireOne(id, cutoff).catch(ignoreBusy)) round++;
      deleted += round;
      if (round === 0 || ids.length < 200) return deleted;
    }
  }

  private expireOne(id: string, cutoff: string): Promise<boolean> {
    return this.context.write(async (tx) => {
      const developer = await tx.lockDeveloper(id);
      // Verified, adopted or deleted meanwhile, perhaps by another instance: nothing to do.
      if (developer?.origin !== 'self-service' || isVerified(developer)) return false;
      const first = await firstVerificationSent(tx.conn, id);
      if (first === null || first > cutoff) return false;
      await deleteCredentialsOf(tx.conn, id);
      await deleteSessionsOf(tx.conn, id);
      await deleteInvitesOf(tx.conn, id);
      await dropDeveloperMessages(tx.conn, [id]);
      await deleteDeveloper(tx.conn, id);
      await tx.record(
        selfService(developer.email, 'expire-sign-up', developerAddress(developer.email), {
          before: { status: developer.status, origin: developer.origin, emailVerified: false },
          reason: `not verified within 7 days of the first verification mail (${first})`,
        }),
      );
      return true;
    });
  }

  /** Writes a first verification message to each unverified sign-up that never had one; returns how many. */
  async mailFirstLinks(): Promise<number> {
    let written = 0;
    for (const id of await signUpsNeverMailed(this.context.state.db)) {
      const wrote = await this.context.write(async (tx) => {
        const developer = await tx.lockDeveloper(id);
        if (developer?.origin !== 'self-service' || isVerified(developer)) return false;
        if (await everMailedVerification(tx.conn, id)) return false;
        await enqueueMessage(tx.conn, outboxEntry(verifyMessage(developer)), tx.now);
        return true;
      });
      if (wrote) written++;
    }
    return written;
  }
}
