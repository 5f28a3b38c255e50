// Turns a chat completion's first-token alternatives into p(yes), renormalised over yes + no.

/** One alternative token with its natural-log probability, as OpenAI-compatible servers send it. */
export interface TokenLogprob {
  readonly token: string;
  readonly logprob: number;
}

const YES = new Set(['yes', 'y', 'yeah', 'true']);
const NO = new Set(['no', 'n', 'nope', 'false']);

/** Which answer a token (any case, spacing or trailing punctuation) stands for, if either. */
export function classifyToken(token: string): 'yes' | 'no' | undefined {
  const word = token
    .trim()
    .toLowerCase()
    .replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  if (YES.has(word)) return 'yes';
  if (NO.has(word)) return 'no';
  return undefined;
}

/**
 * p(yes) = P(yes-like tokens) / (P(yes-like) + P(no-like)) over the alternatives, each distinct token
 * counted once ("Yes", " yes" and "YES" are different tokens and all add up). Undefined when no
 * alternative is yes- or no-like: the model answered something else, and a guess would be noise.
 */
export function pYesFromLogprobs(
  alternatives: readonly TokenLogprob[],
): { pYes: number; mass: number } | undefined {
  const seen = new Set<string>();
  let yes = 0;
  let no = 0;
  for (const { token, logprob } of alternatives) {
    if (seen.has(token) || !Number.isFinite(logprob)) continue;
    seen.add(token);
    const kind = classifyToken(token);
    if (kind === 'yes') yes += Math.exp(logprob);
    else if (kind === 'no') no += Math.exp(logprob);
  }
  const mass = yes + no;
  if (mass <= 0) return undefined;
  return { pYes: yes / mass, mass };
}
