// Runs the browser tests against the dev mock of the Api (no database, no silo):
// starts tests/mock/server.mjs on a spare port, runs `node --test tests/e2e/`, stops the mock.
// Needs a build in ../Api/wwwroot (npm run build).
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const port = process.env.MOCK_PORT ?? '3199';
const mock = spawn(process.execPath, ['tests/mock/server.mjs'], {
  env: { ...process.env, PORT: port, ACCESS_TTL: process.env.ACCESS_TTL ?? '20' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let banner = '';
for await (const chunk of mock.stdout) {
  banner += chunk;
  if (banner.includes('mock api on')) break;
}
const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', 'tests/e2e/'], {
  env: { ...process.env, BASE_URL: `http://127.0.0.1:${port}`, E2E_MOCK: '1' },
  stdio: 'inherit',
});
const [code] = await once(tests, 'exit');
mock.kill();
process.exit(code ?? 1);
