// Shared fixtures for the manifest tests. The workspace (a temp directory with the loader bound to
// it) is the suites' one workspace helper, in ./cli.ts; it is re-exported here for older imports.
export { type LoadedManifests, type Workspace, workspace } from './cli.js';

/** A manifest document with one developer; `extra` is appended under the developer, indented. */
export function developerDoc(email: string, extra = '', status = 'approved'): string {
  return `version: 1\ndevelopers:\n  - email: ${email}\n    fullName: Someone\n    status: ${status}\n${extra}`;
}
