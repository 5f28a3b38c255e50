/**
 * Reads the reference miner's `miner.env` as `set -a; source miner.env` would: the shell's words, quotes,
 * comments and `$NAME` expansion, and nothing that would run a command.
 */
import { RoadworkError } from '../errors/index.js';

/** What `parseEnvFile()` may take besides the text. */
export interface EnvFileOptions {
  /** Names `$NAME` may expand to when the file has not set them (the shell's environment); default none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const BLANK = new Set([' ', '\t', '\r']);

/**
 * Parses env-file text into a map; later keys win, as with `source`. An unquoted `#` starts a comment
 * only at the start of a word, so `MODEL_URL= # a note` is empty while `KEY=a#b` keeps `a#b`. Throws
 * `ERR_CONFIG_FILE` naming the line for text the shell would run as a command or cannot parse.
 */
export function parseEnvFile(text: string, options: EnvFileOptions = {}): Record<string, string> {
  const src = text.replace(/^\uFEFF/, '');
  const out: Record<string, string> = {};
  let i = 0;
  let line = 1;

  const fail = (why: string): never => {
    const shown = (src.split('\n')[line - 1] ?? '').trim().slice(0, 80);
    throw new RoadworkError('ERR_CONFIG_FILE', `line ${line}: ${why}: ${shown}`);
  };
  const skipBlanks = () => {
    while (i < src.length && BLANK.has(src[i] as string)) i++;
  };
  const skipComment = () => {
    while (i < src.length && src[i] !== '\n') i++;
  };
  const readName = (): string => {
    const start = i;
    if (!NAME_START.test(src[i] ?? '')) return '';
    while (i < src.length && NAME_CHAR.test(src[i] as string)) i++;
    return src.slice(start, i);
  };
  // `$NAME` and `${NAME}` expand like the shell's; `$(...)` and `${NAME:-x}` would need a shell, so refuse.
  const expand = (): string => {
    i++;
    if (src[i] === '(') fail('command substitution is not run in an env file');
    const braced = src[i] === '{';
    if (braced) i++;
    const name = readName();
    if (braced && (name === '' || src[i] !== '}')) fail('only ${NAME} expansions are supported');
    if (braced) i++;
    if (name === '') return '$';
    return out[name] ?? options.env?.[name] ?? '';
  };
  const readValue = (): string => {
    let value = '';
    while (i < src.length) {
      const c = src[i] as string;
      if (BLANK.has(c) || c === '\n' || c === ';') break;
      if (c === "'") {
        const end = src.indexOf("'", i + 1);
        if (end < 0) fail('unterminated single quote');
        for (let k = i; k < end; k++) if (src[k] === '\n') line++;
        value += src.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i++;
        for (;;) {
          if (i >= src.length) fail('unterminated double quote');
          const d = src[i] as string;
          if (d === '"') break;
          if (d === '\\' && '"\\$`\n'.includes(src[i + 1] ?? '')) {
            if (src[i + 1] === '\n') line++;
            else value += src[i + 1];
            i += 2;
          } else if (d === '$') value += expand();
          else if (d === '`') fail('command substitution is not run in an env file');
          else {
            if (d === '\n') line++;
            value += d;
            i++;
          }
        }
        i++;
      } else if (c === '\\') {
        if (src[i + 1] === '\n') line++;
        else value += src[i + 1] ?? '';
        i += 2;
      } else if (c === '$') value += expand();
      else if (c === '`') fail('command substitution is not run in an env file');
      else {
        value += c;
        i++;
      }
    }
    return value;
  };

  while (i < src.length) {
    skipBlanks();
    const c = src[i];
    if (c === undefined) break;
    if (c === '\n' || c === ';') {
      if (c === '\n') line++;
      i++;
      continue;
    }
    if (c === '#') {
      skipComment();
      continue;
    }
    let name = readName();
    // `export NAME=value` and a bare `export NAME` (which only marks an already set name).
    if (name === 'export' && BLANK.has(src[i] ?? '')) {
      skipBlanks();
      name = readName();
      if (name !== '' && src[i] !== '=') continue;
    }
    if (name === '' || src[i] !== '=') {
      const spaced = name !== '' && /^[ \t]*=/.test(src.slice(i));
      fail(
        spaced
          ? 'spaces around = are not allowed (the shell would run a command); write NAME=value'
          : 'not a NAME=value assignment',
      );
    }
    i++;
    out[name] = readValue();
    skipBlanks();
    // After a value: the end of the line, a comment, or another assignment (`A=1 B=2`); any other word
    // is a command to the shell, most often an unquoted value with a space in it.
    const next = src[i];
    if (next !== undefined && next !== '\n' && next !== ';' && next !== '#') {
      const rest = src.slice(i);
      if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(rest) && !/^export[ \t]/.test(rest)) {
        fail(`text after the value of ${name} (quote a value that holds spaces)`);
      }
    }
  }
  return out;
}
