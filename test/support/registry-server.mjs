// A real npm registry for tests: Verdaccio (a devDependency) on 127.0.0.1 at a free port, with no
// uplink, so it serves only what a test publishes to it. Started by npm-registry.ts as a child
// process: argv[2] is its storage folder; it prints {"port":N} once listening and stops on SIGTERM.
import { join } from 'node:path';
import { runServer } from 'verdaccio';

async function main() {
  const root = process.argv[2];
  const app = await runServer({
    self_path: root,
    storage: join(root, 'storage'),
    auth: { htpasswd: { file: join(root, 'htpasswd'), max_users: 100 } },
    uplinks: {},
    packages: { '**': { access: '$all', publish: '$authenticated', unpublish: '$authenticated' } },
    log: { type: 'stdout', format: 'pretty', level: 'error' },
    web: { enable: false },
  });
  const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

await main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
