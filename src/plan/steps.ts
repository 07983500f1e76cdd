// What a plan step does, as its action says: the address, kind and op a change must show. A saved
// plan whose display disagrees with its actions is refused (planfile.ts), so what users review is
// what runs.
import { EDGES } from '../lifecycle.js';
import { apiAddress, applicationAddress, credentialAddress, developerAddress, registrationAddress } from '../model.js';
import { PORTAL_ADDRESS } from './portal.js';
import type { Action, ChangeKind, Op } from './types.js';

export interface StepDescription {
  address: string;
  kind: ChangeKind;
  op: Op;
}

export function describeAction(action: Action): StepDescription | null {
  switch (action.do) {
    case 'portal.update':
      return { address: PORTAL_ADDRESS, kind: 'portal', op: 'update' };
    case 'developer.create':
      return developer(action.developer?.email, 'create');
    case 'developer.update':
      return developer(action.email, 'update');
    case 'developer.delete':
      return developer(action.email, 'delete');
    case 'developer.move':
      return developer(action.to, 'move');
    case 'developer.transition': {
      const edge = EDGES.find((e) => e.from === action.from && e.to === action.to);
      return edge ? developer(action.email, edge.op) : null;
    }
    case 'credential.create':
      return credential(action, 'create');
    case 'credential.update':
    case 'credential.activation':
      return credential(action, 'update');
    case 'credential.delete':
      return credential(action, 'delete');
    default:
      return describeApplicationAction(action);
  }
}

/** The steps of docs/applications.md: APIs, applications and registrations. */
function describeApplicationAction(action: Action): StepDescription | null {
  switch (action.do) {
    case 'api.create':
      return api(action.api?.name, 'create');
    case 'api.update':
      return api(action.name, 'update');
    case 'api.delete':
      return api(action.name, 'delete');
    case 'api.move':
      return api(action.to, 'move');
    case 'application.create':
      return application(action.email, action.application?.name, 'create');
    case 'application.update':
      return application(action.email, action.name, 'update');
    case 'application.delete':
      return application(action.email, action.name, 'delete');
    case 'application.move':
      return application(action.email, action.to, 'move');
    case 'registration.create':
      return registration(action, 'create');
    case 'registration.update':
      return registration(action, 'update');
    case 'registration.delete':
      return registration(action, 'delete');
    case 'registration.transition': {
      const edge = EDGES.find((e) => e.from === action.from && e.to === action.to);
      return edge ? registration(action, edge.op) : null;
    }
    default:
      return null;
  }
}

function api(name: unknown, op: Op): StepDescription | null {
  return typeof name === 'string' ? { address: apiAddress(name), kind: 'api', op } : null;
}

function application(email: unknown, name: unknown, op: Op): StepDescription | null {
  if (typeof email !== 'string' || typeof name !== 'string') return null;
  return { address: applicationAddress(email, name), kind: 'application', op };
}

function registration(action: { email: string; application: string; api: string }, op: Op): StepDescription | null {
  const { email, application, api } = action;
  if (typeof email !== 'string' || typeof application !== 'string' || typeof api !== 'string') return null;
  return { address: registrationAddress(email, application, api), kind: 'registration', op };
}

function developer(email: unknown, op: Op): StepDescription | null {
  return typeof email === 'string' ? { address: developerAddress(email), kind: 'developer', op } : null;
}

function credential(
  action: { email: string; type: string; identity: string; application?: string },
  op: Op,
): StepDescription | null {
  if (typeof action.email !== 'string' || typeof action.type !== 'string' || typeof action.identity !== 'string')
    return null;
  if (action.application !== undefined && typeof action.application !== 'string') return null;
  const address = credentialAddress(action.email, action.type as never, action.identity, action.application);
  return { address, kind: 'credential', op };
}
