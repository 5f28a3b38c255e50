// File selection by glob: `*` stays inside one path segment, `**` crosses them; literals are required.

/** Whether `glob` names one exact file (no wildcard), which then must exist. */
export function isLiteral(glob: string): boolean {
  return !glob.includes('*') && !glob.includes('?');
}

function toRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** A predicate for "matches any of `globs`"; no globs selects every file. */
export function fileMatcher(globs: readonly string[] | undefined): (path: string) => boolean {
  if (globs === undefined) return () => true;
  const patterns = globs.map(toRegExp);
  return (path) => patterns.some((p) => p.test(path));
}
