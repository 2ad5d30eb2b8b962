// Installing the native backend for the extension, without vscode: npm installs it into the
// backends folder (the extension's global storage, which extension updates keep), then the CLI the
// extension ships checks that a trainer loads it from there. The command (command.ts) adds the
// progress notification and the messages; the trainer finds the folder through its environment.
import { spawn } from 'node:child_process';
import { installNativeBackend, nativeSpec, type NativeVariant } from '../../shared/native-backend';

export interface NativeInstallRequest {
  dir: string;
  variant: NativeVariant;
  /** Defaults to the version this build's tfjs-core matches. */
  version?: string;
  /** The Node binary the trainer runs with (distill.nodePath, resolved): npm beside it installs, the check runs on it. */
  nodePath: string;
  /** dist/cli.js, whose `backend status` loads the backend as a trainer does. */
  cliScript: string;
  env?: NodeJS.ProcessEnv;
  /** npm's and the check's output, as it comes. */
  onOutput: (text: string) => void;
  /** Where the install is, in a few words, for a progress notification. */
  onStage?: (stage: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface NativeInstallResult {
  ok: boolean;
  cancelled: boolean;
  /** One message for the user, saying what happened and what runs will use. */
  message: string;
}

const CHECK_TIMEOUT_MS = 120_000;
const FALLBACK = 'Runs carry on with WASM.';

export async function installAndCheck(request: NativeInstallRequest): Promise<NativeInstallResult> {
  const spec = nativeSpec(request.variant, request.version);
  const stage = request.onStage ?? (() => {});
  stage(`npm install ${spec}`);
  let fetched = 0;
  const outcome = await installNativeBackend({
    dir: request.dir,
    variant: request.variant,
    version: request.version,
    nodePath: request.nodePath,
    env: request.env,
    signal: request.signal,
    timeoutMs: request.timeoutMs,
    onOutput: (text) => {
      request.onOutput(text);
      const fetches = text.match(/^npm http fetch GET 200 /gm)?.length ?? 0;
      if (fetches > 0) stage(`npm install ${spec}: ${(fetched += fetches)} files fetched`);
      const script = /^> (\S+) install$/m.exec(text);
      if (script) stage(`running the install script of ${script[1]} (it downloads TensorFlow's native library)`);
    },
  });
  if (!outcome.ok) {
    if (outcome.cancelled) return { ok: false, cancelled: true, message: `The native backend install was cancelled. ${FALLBACK}` };
    return { ok: false, cancelled: false, message: `The native backend was not installed: ${outcome.reason}. ${FALLBACK}` };
  }
  stage('checking that a trainer loads it');
  const check = await runStatus(request);
  if (check.code === 0) {
    return { ok: true, cancelled: false, message: `Native backend installed: ${spec} in ${request.dir}. Runs with distill.backend auto or tfjs-node now use it.` };
  }
  const why =
    /^tfjs-node: does not load: (.*)$/m.exec(check.output)?.[1] ?? `the check exited with ${check.code ?? check.signal}${check.output.trim() ? `: ${check.output.trim().split('\n').at(-1)}` : ''}`;
  return { ok: false, cancelled: false, message: `${spec} was installed into ${request.dir} but a trainer cannot load it: ${why}. ${FALLBACK}` };
}

/** `node dist/cli.js backend status --dir DIR`: exit code 0 once the backend loads and computes. */
function runStatus(request: NativeInstallRequest): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve) => {
    const args = [request.cliScript, 'backend', 'status', '--dir', request.dir];
    request.onOutput(`$ ${request.nodePath} ${args.join(' ')}\n`);
    const child = spawn(request.nodePath, args, { env: request.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: CHECK_TIMEOUT_MS, windowsHide: true });
    let output = '';
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      request.onOutput(chunk.toString());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => (output += `${error.message}\n`));
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}
