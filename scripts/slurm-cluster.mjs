// A real single-node Slurm cluster for the tests (see ../shared/SLURM-TESTING.md): Debian's
// slurmctld, slurmd and munge, installed with apt-get when missing, run as plain background
// processes from one fresh temporary folder on ports of their own, and stopped by their pids.
//
//   import { startCluster } from './slurm-cluster.mjs'; const cluster = await startCluster();
//   … SLURM_CONF=cluster.conf sbatch … ; await cluster.stop();
//
// As a script: `node scripts/slurm-cluster.mjs install` installs the packages only.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const APT_PACKAGES = ['slurmctld', 'slurmd', 'slurm-client', 'munge'];
const log = (message) => process.stderr.write(`[slurm-cluster] ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const installed = (name) => {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' }).includes('install ok installed');
  } catch {
    return false;
  }
};

/** Installs Debian's Slurm and munge when missing (their post-install service start is refused here; that is fine). */
export function ensureSlurmPackages() {
  const missing = APT_PACKAGES.filter((name) => !installed(name));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages ${missing.join(', ')}: run "sudo apt-get install -y --no-install-recommends ${missing.join(' ')}"`);
  log(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    install();
  }
}

/** Two free TCP ports, asked of the kernel, so parallel runs do not collide with each other or a real Slurm. */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function slurmConf(dir, munge, ctldPort, slurmdPort) {
  const memoryMb = Math.max(512, Math.floor(totalmem() / 2 ** 20) - 512);
  return `# A one-node test cluster written by scripts/slurm-cluster.mjs
ClusterName=distilltest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=${ctldPort}
SlurmdPort=${slurmdPort}
AuthType=auth/munge
AuthInfo=socket=${munge.socket}
CryptoType=crypto/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/slurmctld.log
SlurmdLogFile=${dir}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=${dir}/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
KillWait=5
InactiveLimit=0
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=${availableParallelism()} RealMemory=${memoryMb} State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
`;
}

const readPid = (file) => {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
};

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`the test cluster: ${what} within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/**
 * Starts munged, slurmctld and slurmd in a fresh temporary folder and waits for the node to be
 * idle. Returns `{ dir, conf, env, stop }`: `env` carries SLURM_CONF for every client command;
 * `stop()` cancels every job, shuts the daemons down and ends munged, each by its pid (SIGKILL
 * after a grace period), and removes the folder unless `keep` is set.
 */
export async function startCluster({ keep = false } = {}) {
  ensureSlurmPackages();
  const dir = mkdtempSync(join(tmpdir(), 'distill-slurm-'));
  chmodSync(dir, 0o755);
  for (const sub of ['state', 'spool']) mkdirSync(join(dir, sub));
  const munge = { key: join(dir, 'munge.key'), socket: join(dir, 'munge.socket'), pid: join(dir, 'munged.pid') };
  const [ctldPort, slurmdPort] = await freePorts(2);
  const conf = join(dir, 'slurm.conf');
  writeFileSync(conf, slurmConf(dir, munge, ctldPort, slurmdPort));
  const env = { ...process.env, SLURM_CONF: conf };
  const pids = { munged: undefined, slurmctld: undefined, slurmd: undefined };
  const children = [];

  // Should the test process end without calling stop() (an uncaught error, process.exit), the
  // daemons are killed by pid as it exits; stop() is the orderly way and removes this.
  const killOnExit = () => {
    for (const pid of [pids.slurmd, pids.slurmctld, pids.munged]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (pids.slurmctld && alive(pids.slurmctld)) {
      try {
        execFileSync('scancel', ['--user', String(process.getuid?.() ?? 0)], { env, stdio: 'ignore', timeout: 10_000 });
      } catch {
        // nothing to cancel, or the controller is already gone
      }
      try {
        execFileSync('scontrol', ['shutdown'], { env, stdio: 'ignore', timeout: 10_000 });
      } catch {
        // ended by signal below
      }
    }
    for (const name of ['slurmd', 'slurmctld', 'munged']) {
      const pid = pids[name];
      if (!pid) continue;
      if (alive(pid) && name === 'munged') process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 8000;
      while (alive(pid) && Date.now() < deadline) await sleep(100);
      if (alive(pid)) {
        log(`${name} (pid ${pid}) did not stop: SIGKILL`);
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }
    // A job step's processes are children of slurmstepd, itself started by slurmd: killed above or ended with it.
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };

  try {
    execFileSync('mungekey', ['--create', `--keyfile=${munge.key}`, '--force'], { stdio: 'ignore' });
    chmodSync(munge.key, 0o400);
    execFileSync(
      'munged',
      ['--force', `--key-file=${munge.key}`, `--socket=${munge.socket}`, `--pid-file=${munge.pid}`, `--log-file=${join(dir, 'munged.log')}`, `--seed-file=${join(dir, 'munged.seed')}`],
      { stdio: 'ignore' },
    );
    pids.munged = await waitFor('munged wrote no pid file', () => readPid(munge.pid), 5000);
    const daemon = (name, args) => {
      const child = spawn(name, args, { env, stdio: ['ignore', 'ignore', 'ignore'], detached: true });
      child.unref();
      children.push(child);
      pids[name] = child.pid;
    };
    daemon('slurmctld', ['-D', '-i', '-f', conf]);
    daemon('slurmd', ['-D', '-N', 'localhost', '-f', conf]);
    await waitFor(
      'the node did not become idle',
      () => {
        for (const name of ['slurmctld', 'slurmd']) {
          if (!alive(pids[name])) throw new Error(`the test cluster: ${name} exited; its log: ${join(dir, `${name}.log`)}\n${tail(join(dir, `${name}.log`))}`);
        }
        try {
          return /^idle/m.test(execFileSync('sinfo', ['-h', '-N', '-o', '%T'], { env, encoding: 'utf8', timeout: 5000 }));
        } catch {
          return false;
        }
      },
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { dir, conf, env, pids, stop };
}

function tail(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-15).join('\n') : '(no log)';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const command = process.argv[2];
  try {
    if (command === 'install') ensureSlurmPackages();
    else if (command === 'check') {
      const cluster = await startCluster();
      process.stdout.write(execFileSync('sinfo', [], { env: cluster.env, encoding: 'utf8' }));
      await cluster.stop();
    } else throw new Error('usage: node scripts/slurm-cluster.mjs install | check');
  } catch (error) {
    log(error.message);
    process.exit(1);
  }
}
