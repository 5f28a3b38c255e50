// The choices of the page's selects, as data: one table instead of a run of look-alike <option> lists.
// Each entry is [value, words]; the first is the default. The selects themselves stay in index.html.
const ANY = ['', 'any'];

const CHOICES = Object.freeze({
  '#filters select[name=validator]': [ANY],
  '#filters select[name=band]': [
    ANY,
    ['0,0.2', '0–0.2'],
    ['0.2,0.4', '0.2–0.4'],
    ['0.4,0.6', '0.4–0.6 (uncertain)'],
    ['0.6,0.8', '0.6–0.8'],
    ['0.8,1', '0.8–1'],
  ],
  '#filters select[name=disagreement]': [ANY, ['true', 'disagree'], ['false', 'agree']],
  '#filters select[name=labelled]': [ANY, ['false', 'no'], ['true', 'yes']],
  '#filters select[name=label]': [ANY, ['1', 'roadwork'], ['0', 'not']],
  '#filters select[name=sort]': [
    ['rank', 'hard cases first'],
    ['recent', 'newest'],
    ['uncertain', 'nearest 0.5'],
  ],
  '#colour': [
    ['label', 'label'],
    ['error', 'error'],
  ],
  // `roadwork queries export --format`'s choices (EXPORT_FORMATS); the server refuses any other.
  '#export select[name=format]': ['folders', 'csv', 'coco', 'fiftyone'].map((f) => [f, f]),
});

/** Fills every select of the table with its options (before any tab reads them). */
export function fillChoices() {
  for (const [selector, options] of Object.entries(CHOICES)) {
    const select = document.querySelector(selector);
    select.replaceChildren(
      ...options.map(([value, words]) =>
        Object.assign(document.createElement('option'), { value, textContent: words }),
      ),
    );
  }
}
