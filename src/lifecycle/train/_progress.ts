// A one-line progress bar on stderr (rewritten in place on a terminal, a line every 10 % otherwise).

/** Something with `write` and maybe `isTTY`, e.g. process.stderr. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** A progress reporter: `tick(n)` adds done work; `done()` ends the line. */
export interface Progress {
  tick(n?: number): void;
  done(): void;
}

/** Creates a progress bar for `total` items. */
export function progressBar(label: string, total: number, stream: ProgressStream): Progress {
  let done = 0;
  let lastDecile = -1;
  const started = Date.now();
  const line = () => {
    const f = total === 0 ? 1 : done / total;
    const width = 24;
    const bar = '#'.repeat(Math.round(f * width)).padEnd(width, '.');
    const s = (Date.now() - started) / 1000;
    const rate = s > 0 ? done / s : 0;
    const eta = rate > 0 ? (total - done) / rate : 0;
    return `${label} [${bar}] ${done}/${total} ${rate.toFixed(1)}/s eta ${eta.toFixed(0)}s`;
  };
  return {
    tick(n = 1) {
      done += n;
      if (stream.isTTY === true) stream.write(`\r${line()}`);
      else {
        const decile = Math.floor((done / Math.max(1, total)) * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          stream.write(`${line()}\n`);
        }
      }
    },
    done() {
      if (stream.isTTY === true) stream.write(`\r${line()}\n`);
    },
  };
}
