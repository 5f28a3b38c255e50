// "Retrain and evaluate": `roadwork retrain` as a child process (training takes minutes of CPU and must
// never stall the miner's event loop), its output kept for the page, its verdict read from --json. The
// registry's gate, inside that process, decides whether the new version is promoted; nothing here can.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnvironment } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';

/** How `roadwork` itself is started: from dist/ as plain JavaScript, from src/ through tsx. */
export function roadworkCommand(): readonly string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(`../cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  return [process.execPath, ...(fromSource ? ['--import', 'tsx'] : []), main];
}

/** One run as the page sees it. */
export interface RetrainState {
  readonly running: boolean;
  /** Lines of the child's output so far (stdout and stderr interleaved, as they came). */
  readonly lines: readonly string[];
  /** The arguments given to `roadwork retrain`. */
  readonly args: readonly string[];
  readonly exitCode: number | null;
  /** The gate's verdict, once the child printed it. */
  readonly result: { readonly version: string; readonly promoted: boolean; readonly reason?: string } | null;
}

/** Lines kept at most: a long training prints many progress lines, and the page shows the tail. */
const MAX_LINES = 2000;

/** Runs one retrain at a time and keeps its output for the page. */
export class RetrainRunner {
  readonly #command: readonly string[];
  readonly #settings: Readonly<Record<string, string>>;
  #child: ChildProcess | undefined;
  #state: RetrainState = { running: false, lines: [], args: [], exitCode: null, result: null };
  readonly #listeners = new Set<(line: string | null) => void>();

  /**
   * `command`: how `roadwork` is started (default `roadworkCommand()`); `settings`: this process's
   * settings as environment variables (`settingsEnvironment`), which the child runs with.
   */
  constructor(
    command: readonly string[] = roadworkCommand(),
    settings: Readonly<Record<string, string>> = {},
  ) {
    this.#command = command;
    this.#settings = settings;
  }

  state(): RetrainState {
    return this.#state;
  }

  /** Calls `fn` with each new line, and with null when the run ends; returns the unsubscriber. */
  subscribe(fn: (line: string | null) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * Starts `roadwork retrain --json <args>` in this process's environment with its settings pinned
   * (see the constructor); refuses while one runs.
   */
  start(args: readonly string[]): void {
    if (this.#state.running)
      throw new RoadworkError('ERR_UI_BUSY', 'A retrain is already running; wait for its result.');
    const full = ['retrain', '--json', ...args];
    const lines: string[] = [];
    this.#state = { running: true, lines, args: full, exitCode: null, result: null };
    const [exe, ...pre] = this.#command;
    // The child runs with this process's settings wherever they came from (a flag, a --config file):
    // the same query log (store.url), models, devices and registry. In the environment, a password in
    // store.url or a token stays out of `ps` and out of the arguments the page shows.
    const env = childEnvironment(this.#settings);
    const child = spawn(exe!, [...pre, ...full], { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.#child = child;
    let result: RetrainState['result'] = null;
    const take = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) {
          result = verdict(line) ?? result;
          this.#push(lines, line);
        }
      });
      stream.on('end', () => rest !== '' && this.#push(lines, rest));
    };
    take(child.stdout!);
    take(child.stderr!);
    child.on('error', (err) => this.#push(lines, `retrain could not start: ${err.message}`));
    child.on('close', (code) => {
      this.#state = { running: false, lines, args: full, exitCode: code ?? -1, result };
      this.#child = undefined;
      for (const fn of this.#listeners) fn(null);
    });
  }

  /** Stops a running retrain (the app's shutdown); resolves once it has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    const closed = new Promise((resolve) => child.once('close', resolve));
    child.kill('SIGTERM');
    await closed;
  }

  #push(lines: string[], line: string): void {
    lines.push(line);
    if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
    for (const fn of this.#listeners) fn(line);
  }
}

/** The `--json` line `roadwork retrain` prints for a cycle, if `line` is one. */
function verdict(line: string): RetrainState['result'] | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as { version?: unknown; promoted?: unknown; reason?: unknown };
    if (typeof v.version !== 'string' || typeof v.promoted !== 'boolean') return undefined;
    return {
      version: v.version,
      promoted: v.promoted,
      ...(typeof v.reason === 'string' && { reason: v.reason }),
    };
  } catch {
    return undefined;
  }
}
