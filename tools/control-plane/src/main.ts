/**
 * `npm run control-plane`: builds the binaries if needed, starts etcd and kube-apiserver on free
 * loopback ports with the CRDs installed, prints the lines to use them (`KUBECONFIG=` last), and
 * on Ctrl-C or SIGTERM stops both and removes every file it made.
 */
import { announceControlPlane } from '@string-hashr/contract';
import { ensureBuilt, findBuild, requireBuild } from './build.js';
import { parseCommandLine } from './cli.js';
import { freeLoopbackPort, startControlPlane, type RunningControlPlane } from './control-plane.js';

const log = (line: string) => console.error(line);

async function main(): Promise<void> {
  const command = parseCommandLine(process.argv.slice(2));
  const start: { running?: Promise<RunningControlPlane> } = {};
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping kube-apiserver and etcd`);
    // Stopped while starting: the start finishes (or fails and cleans up), then it stops.
    await start.running?.then(
      (running) => running.stop(),
      () => undefined,
    );
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // A complete build needs no Go: only a missing one is built.
  const build = command.build ? (findBuild() ?? (await ensureBuilt(log))) : requireBuild();
  const ports = {
    etcdClient: command.ports.etcdClient ?? (await freeLoopbackPort()),
    etcdPeer: command.ports.etcdPeer ?? (await freeLoopbackPort()),
    apiServer: command.ports.apiServer ?? (await freeLoopbackPort()),
  };
  if (stopping) return;
  start.running = startControlPlane(build, ports, command.options, log);
  const running = await start.running;
  if (stopping) return;
  log(`kubectl of the same version: ${running.endpoints.bin}/kubectl; Ctrl-C stops everything`);
  console.log(announceControlPlane(running.endpoints).join('\n'));
  const died = await running.died;
  if (stopping) return;
  log(died);
  await running.stop();
  process.exit(1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
