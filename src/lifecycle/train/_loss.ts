// The loss every head fitter minimises: binary cross-entropy on a logit.
import { sigmoid } from '../../inference/heads/index.js';

/** Binary cross-entropy of a logit, and its derivative by the logit; stable for large |z|. */
export function bce(z: number, y: number): { loss: number; dz: number } {
  const loss = Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  return { loss, dz: sigmoid(z) - y };
}
