// What a plan step does, as its action says: the address, kind and op a change must show. A saved
// plan whose display disagrees with its actions is refused (planfile.ts), so what users review is
// what runs.
import { EDGES } from '../lifecycle.js';
import { credentialAddress, developerAddress } from '../model.js';
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
      return null;
  }
}

function developer(email: unknown, op: Op): StepDescription | null {
  return typeof email === 'string' ? { address: developerAddress(email), kind: 'developer', op } : null;
}

function credential(action: { email: string; type: string; identity: string }, op: Op): StepDescription | null {
  if (typeof action.email !== 'string' || typeof action.type !== 'string' || typeof action.identity !== 'string')
    return null;
  return { address: credentialAddress(action.email, action.type as never, action.identity), kind: 'credential', op };
}
