import type { ChangeFeed } from '../change-feed.js';
import { APPLICATION_NAME, type StateUrl } from './connection.js';

/** The channel the state's triggers notify (schema.ts, 0005_change_feed), the payload its schema. */
export const CHANGE_CHANNEL = 'portalform_changes';

/**
 * One connection that LISTENs for the state's change notifications. PostgreSQL signals listeners
 * as part of the commit, before the committing client hears that it committed. Once the
 * connection fails the feed answers null for good: its keeper then keeps nothing.
 */
export async function listenFeed(target: StateUrl): Promise<ChangeFeed> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: target.connectionString,
    application_name: `${APPLICATION_NAME} change feed`,
  });
  let generation = 0;
  let live = true;
  const lost = () => void (live = false);
  client.on('error', lost);
  client.on('end', lost);
  client.on('notification', (message) => {
    if (message.channel === CHANGE_CHANNEL && message.payload === target.schema) generation++;
  });
  await client.connect();
  await client.query(`listen ${CHANGE_CHANNEL}`);
  return {
    generation: () => (live ? generation : null),
    async close() {
      live = false;
      await client.end().catch(() => undefined);
    },
  };
}
