// What `roadwork train` prints: the line about what it embedded, and the tables of what it measured.
import {
  drawsText,
  proxyTable,
  repeatsTable,
  reportTable,
  sweepTable,
  type TrainResult,
} from '../../lifecycle/train/index.js';

/** ` (N of them roadwork-free photos with a work zone pasted in, M with look-alikes)`, or ''. */
export function pastedText(
  rows: readonly { image: number; label: number }[],
  zones: number,
  decoys: number,
): string {
  const free = new Set(rows.filter((r) => r.label === 0).map((r) => r.image)).size;
  const parts = [
    ...(zones > 0 ? [`${zones * free} of them roadwork-free photos with a work zone pasted in`] : []),
    ...(decoys > 0 ? [`${decoys * free} with look-alikes pasted in`] : []),
  ];
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/**
 * The run's tables for stdout: grouped CV, the same-camera proxy, the repeated draws, the exit sweep,
 * then calibration and exits, ending with the head file written (`out`).
 */
export function trainSummary(
  result: TrainResult,
  run: { readonly seed: string; readonly targetAccuracy: number; readonly out: string },
): string {
  const used = result.report.synthetic;
  let text =
    `\nHeld-out metrics (grouped CV, l2=${result.l2}, threshold 0.5 after the shift):\n${reportTable(result.report)}\n` +
    (used !== undefined && used.images > 0
      ? `Synthetic scenes in training: ${used.images} (${used.views} views, weight ${used.weight}); none scored\n`
      : '');
  if (result.proxy) {
    const h = result.proxy.headline;
    text +=
      `\nSame-camera proxy (l2=${result.proxy.l2}; whole cameras held out, scored inside one kind of camera):\n${proxyTable(result.proxy)}\n` +
      (h
        ? `headline: ${h.kind} cameras MCC ${h.mcc.value.toFixed(3)} [${h.mcc.lo.toFixed(2)}, ${h.mcc.hi.toFixed(2)}], AUC ${h.auc?.value.toFixed(3) ?? '–'} (${h.n} views, ${h.positives} roadwork)\n`
        : 'headline: none (no camera kind holds both labels)\n');
  }
  if (result.repeats) {
    const over = drawsText(result.repeats.views ?? result.repeats.seeds.map(() => run.seed)).trim();
    text += `\n${over[0]!.toUpperCase()}${over.slice(1)} (l2=${result.l2}; the tables above are the first draw, seed ${run.seed}):\n${repeatsTable(result.repeats)}\n`;
  }
  text += `\nAccuracy vs coverage of exit thresholds:\n${sweepTable(result.report.sweep)}\n`;
  const e = result.exits;
  return (
    text +
    `\ntemperature ${result.head.temperature.toFixed(3)}, shift ${result.head.shift.toFixed(3)}; ` +
    (e
      ? `exits for accuracy ≥ ${run.targetAccuracy}: high ${e.high.toFixed(2)}, low ${e.low.toFixed(2)} (coverage ${e.coverage.toFixed(3)})\n`
      : `no exit band reaches accuracy ${run.targetAccuracy}\n`) +
    `Wrote ${run.out}\n`
  );
}
