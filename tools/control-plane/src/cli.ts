/** The command line of `npm run control-plane`: fixed ports (the test support picks its own), the watch cache, the CRDs. */
import type { ControlPlaneOptions, ControlPlanePorts } from './flags.js';

export interface ControlPlaneCommand {
  ports: Partial<ControlPlanePorts>;
  options: ControlPlaneOptions;
  /** Use the build that is there, or fail: a test must not start a build of many minutes. */
  build: boolean;
}

export const USAGE =
  'usage: npm run control-plane -- [--etcd-port N] [--etcd-peer-port N] [--apiserver-port N] [--no-watch-cache] [--crds NAME,...|none] [--no-build]';

const PORT_FLAGS: Record<string, keyof ControlPlanePorts> = {
  '--etcd-port': 'etcdClient',
  '--etcd-peer-port': 'etcdPeer',
  '--apiserver-port': 'apiServer',
};

export function parseCommandLine(args: string[]): ControlPlaneCommand {
  const command: ControlPlaneCommand = { ports: {}, options: { watchCache: true }, build: true };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const port = PORT_FLAGS[arg];
    if (port) {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < 1 || value > 65535) {
        throw new Error(`${arg}: expected a port number (1-65535), got ${JSON.stringify(args[i])}\n${USAGE}`);
      }
      command.ports[port] = value;
    } else if (arg === '--no-watch-cache') command.options.watchCache = false;
    else if (arg === '--crds') {
      const value = args[++i] ?? '';
      const names = value === 'none' ? [] : value.split(',').filter(Boolean);
      if (value !== 'none' && names.length === 0)
        throw new Error(`--crds: expected CRD names (a,b) or none, got ${JSON.stringify(args[i])}\n${USAGE}`);
      command.options.crds = names;
    } else if (arg === '--no-build') command.build = false;
    else throw new Error(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
  }
  return command;
}
