// The environment a child `roadwork` process starts with: this process's, with some settings pinned to
// the values this process settled on, wherever they came from (a flag, a --config file).

/** This process's environment with each `pinned` name set to its value; an empty value removes it. */
export function childEnvironment(pinned: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(pinned)) {
    if (value === '') delete env[name];
    else env[name] = value;
  }
  return env;
}
