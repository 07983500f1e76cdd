// The administrator's side of the application page suites: the manifests that publish the APIs,
// adopt, decide and release developers' applications, and set the portal's self-service, each
// applied with a real `portalform apply`.
import type { Workspace } from './cli.js';

export const APIS_YAML = `apis:
  - { name: payments, title: Payments API, description: Charge cards and refunds. }
  - { name: weather, autoApproveRegistrations: true }
  - { name: catalogue-search, title: Catalogue search, description: Full-text search over the product catalogue. }
`;

/** One developer's entry, with the applications the manifests declare for it (YAML list items, indented by 6). */
export interface DeclaredDeveloper {
  email: string;
  fullName: string;
  applications?: string[];
}

export class AdminManifests {
  /** The `portal:` block's YAML, or ''. */
  portal = '';

  constructor(
    private readonly w: Pick<Workspace, 'write' | 'run'>,
    readonly developers: DeclaredDeveloper[],
  ) {}

  developer(email: string): DeclaredDeveloper {
    const found = this.developers.find((d) => d.email === email);
    if (!found) throw new Error(`no declared developer ${email}`);
    return found;
  }

  text(removed: string[] = []): string {
    const entries = this.developers.map((d) => {
      const head = `  - email: ${d.email}\n    fullName: ${d.fullName}\n    status: approved\n`;
      const applications = d.applications?.length ? `    applications:\n${d.applications.join('')}` : '';
      return head + applications;
    });
    const removedBlock = removed.length ? `removed:\n${removed.map((r) => `  - ${r}\n`).join('')}` : '';
    return `version: 1\n${this.portal}${APIS_YAML}developers:\n${entries.join('')}${removedBlock}`;
  }

  /** Applies the manifests (and the one-shot `removed` entries given), as `portalform apply --json`. */
  apply(removed: string[] = []): void {
    this.w.write('portal/developers.yaml', this.text(removed));
    // --json: the suites read the state the apply leaves, not the text of its plan.
    const result = this.w.run(['apply', 'portal', '--auto-approve', '--json']);
    if (result.code !== 0) throw new Error(`apply failed: ${result.stderr}\n${this.text(removed)}`);
  }
}
