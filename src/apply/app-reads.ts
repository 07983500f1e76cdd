// The reads of applications and registrations a saved plan's staleness check makes
// (apply/touched.ts): the store's readApplicationVersions of the store ↔ apply contract.
import type { Conn } from '../store/backend.js';
import * as read from '../store/read.js';

/** The stored versions of the applications and registrations of these developers, by address. */
export type ApplicationVersions = {
  applications: Record<string, number>;
  registrations: Record<string, number>;
};

type Reader = (conn: Conn, emails: string[]) => Promise<ApplicationVersions>;

/** Until the store reads applications (its schema 0012), none are stored. */
export async function readApplicationVersions(conn: Conn, emails: string[]): Promise<ApplicationVersions> {
  const reader = (read as unknown as { readApplicationVersions?: Reader }).readApplicationVersions;
  return reader ? reader(conn, emails) : { applications: {}, registrations: {} };
}
