// The worker side of `openFitPool`: unpacks a fit's rows and runs `fitHead` on them.
import { serveJobs } from '../../inference/workers/index.js';
import type { Head } from '../../inference/heads/index.js';
import type { FitJob } from './_fits.js';
import { unpackRows } from './_packed-rows.js';
import { fitHead } from './_pipeline.js';

serveJobs<undefined, FitJob, Head>(
  () => (job) =>
    fitHead(unpackRows(job.rows), {
      ...job.config,
      ...(job.extraViews ? { extraViews: unpackRows(job.extraViews) } : {}),
      ...(job.synthetic
        ? { synthetic: { rows: unpackRows(job.synthetic.rows), weight: job.synthetic.weight } }
        : {}),
    }),
);
