// The CLI entry must be executable for `npx portalform` and the package's bin link.
import { chmodSync, existsSync } from 'node:fs';
const bin = new URL('../dist/cmd/portalform.js', import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);
