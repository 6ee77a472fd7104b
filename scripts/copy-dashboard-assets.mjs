// Copies the dashboard's page, scripts and style sheet into dist/ (run by `npm run build`):
// tsc compiles only TypeScript, and `optdb serve` reads them next to its compiled module.
import { cpSync, rmSync } from 'node:fs';

const from = 'src/serve/dashboard/assets';
const to = 'dist/serve/dashboard/assets';
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
