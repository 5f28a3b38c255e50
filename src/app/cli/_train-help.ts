// The long help of `roadwork train` (after the flags): examples and what each protocol and flag does.
import { L2_DEFAULT, TREES_DEFAULT } from './_train-head-flags.js';

/** Printed after `roadwork train --help`'s flag list. */
export const TRAIN_HELP = `
Example (the starter's 2.0.4 head, about 13 minutes of embedding on 2 CPU cores the first time, then
about 6 minutes of fitting from the embedding cache; its model card has the 0.4 head's command):
  roadwork train --data /path/to/roadwork-real-train --data /path/to/street-negatives-camvid \\
    --out models/starter/head.json --protocol 2.0.4 --train-views 1,3,3,6 --split-group tracon-web \\
    --l2 0.01 --model mlp --no-early-stop --embedder-options '{"layer":"out_relu","pooling":"max","inputSize":448,"extras":["colour-shape"]}'

Every image is rendered as validators send it (--protocol 0.4: JPEG quality 75 at its own size;
2.0.4: the four augmentation levels, seeded, then JPEG quality 75) and embedded once into the cache
(--embeddings.cache_dir, default <data_dir>/embeddings; data_dir is ~/.roadwork unless --data_dir,
ROADWORK_DATA_DIR or the --config file says otherwise), keyed by the embedder version, so a new
backbone starts a new cache. An image that
cannot be read or decoded is skipped with a warning naming it (--strict fails instead); data of one
label only is refused before any embedding.
Metrics come from grouped cross-validation (manifest column "group"), with temperature and shift
cross-fitted across folds and 95 % intervals from a bootstrap over groups. See docs/training.md.

A backbone on another runtime, e.g. DINOv3 through transformers.js (options are the runtime's; the
default backbone's colour/shape extras are not added to another backbone):
  roadwork train --data DIR --out models/dinov3/head.json \\
    --embedder transformers:onnx-community/dinov3-vits16-pretrain-lvd1689m-ONNX \\
    --embedder-options '{"pooling":"cls","dtype":"fp32"}'

--bundle DIR also writes a model bundle (head.json, cascade.json serving it, manifest.json with the
metrics, the data version and the production model as parent); --register records it in the
registry under data_dir (roadwork models versions), ready for roadwork models promote.
With --base CASCADE (a cascade file, a bundle folder, or production: the registry's production
version, else the bundled starter) the bundle is that cascade with the new head in place of the one
backbone-head stage whose embedder, preprocess and TTA are the training's (--base-stage NAME picks
it); every other route, stage and file stays, e.g. the starter's 2.0.4 route and OCR stage around a
retrained 0.4 route. A run's heads take the place of all of the stage's heads, or of those
--base-heads FIRST-LAST names (counted from 1; past the last one adds them after): the starter's 0.4
stage is three MLP heads, then five on the colour/shape columns alone, so its MLPs are retrained with
  roadwork train --data ../photos --protocol 0.4 --preprocess-size 448 --preprocess-resize short-side \\
    --embedder-options '{"layer":"out_relu","pooling":"max","inputSize":448,"tiles":3,"extras":["colour-shape"]}' \\
    --model mlp --view-seeds s2,s3 --ensemble --out head.json --bundle b --register --base production \\
    --base-heads 1-3

--train-views N0,N1,N2,N3 embeds that many more validator views of every image per level and fits
on them too, never scoring them: a view trains only where its image's group trains, so the held-out
numbers stay those of --views while the head sees more of the augmentations (level 3's noise and blur
come in nine combinations).

--model conv fine-tunes the backbone's own last 1×1 convolution (MobileNetV2: --conv 49,Conv_1)
on the cells of the layer it reads, with the embedder options
'{"layer":"block_16_project_BN","pooling":"cells","extras":["colour-shape"]}'; EPOCHS 0 is the
frozen max-pooled backbone, the control (docs/training.md, "Fine-tuning the backbone's last convolution").

--model trees boosts small decision trees on the columns' raw values (--trees COUNT,DEPTH[,RATE],
default ${TREES_DEFAULT}); its --l2 is the leaves' L2, a larger scale than the dense heads' (default
grid ${L2_DEFAULT.trees}). E.g. on the colour/shape columns alone: --columns 1280:1420 --model trees --l2 1
(docs/training.md, "Boosted trees").

--data may be repeated: the folders are one data set, each group namespaced by its folder's name
(roadwork-real-train/tracon-web), image ids and the embedding cache per image as before; a --bundle
records every folder (its data version joins each folder's with " + "):
  roadwork train --data ../shared/data/roadwork-real-train --data ../shared/data/street-negatives-camvid ...

Beside the main table, the same-camera proxy: cross-validation holding whole cameras out (KITTI,
CamVid, highway as one camera each; each dashcam city or clip; web photos one by one), scored only
inside one kind of camera (in-car: dashcam work zones against dashcam streets, KITTI, highway; web
photos), where the photo style cannot tell the labels apart. Its headline is the in-car MCC and AUC.
--select-by family chooses the L2 by it. The headline pools the in-car families of negatives, so the
largest decides it; "in-car: families balanced" is the mean of the "roadwork vs" rows, each family
weighing the same, and --select-by balanced chooses the L2 by that row. Families come from the
group names (src/lifecycle/train/_families.ts).

--repeats N runs every cross-validation over N draws of its folds (the same views; seeds SEED,
SEED#2, …) and adds each protocol's mean, standard deviation and range to the report: on the
starter's data one recipe's proxy MCC moves by up to 0.17 with the folds alone (and by more with
--seed, which also draws the views), so compare recipes by the mean, at more than one --seed. The L2 is chosen by the mean; the tables, intervals and the head's calibration are
the first draw's (the unrepeated run's). N draws cost N times the fitting.

--view-seeds S2,S3 also draws the views anew: the same images rendered under those seeds (views,
training-only views, synthetic scenes, pasted copies; each embedded once into the cache, as long as
--seed's the first time), and both protocols run their --repeats draws of the folds on each. The L2
is chosen by the mean over every draw; the report adds each seed's views alone (on the starter's
data a pair of recipes swapped places with the views); the tables, calibration and head stay
--seed's. The draws on seed S's views are those a run at --seed S --repeats N makes, and roadwork
models diff compares two such versions draw by draw and seed by seed.

--ensemble (with --view-seeds) ships a head per seed instead: --out for --seed's, OUT-SEED.json beside
it for each other seed, each the head a run at that --seed ships at the chosen L2. It also scores
their mean (the mean of the heads' calibrated logits, view by view, as a stage with head: [a, b, c]
serves it) and, with --bundle, serves every head in one stage (with --base, in place of the stage's
heads and names): the starter's routes are such ensembles, of several recipes each.
--predictions P.csv then writes each head's out-of-fold answers too: P.csv for --seed's, P-SEED.csv
for the others (bench/ensemble-predictions.ts scores any mean of them). With --repeats N each later
draw of the folds gets its own file beside the first's (P.draw2.csv, P-SEED.draw2.csv, …), so two
recipes can be paired over every draw, not only the first (the bench's --draws N).

--style-views greyworld,jitter,grey adds training-only copies of every scored view under those
style-destroying transforms (grey-world white balance, random colour jitter, grayscale).

--paste-views N adds N training-only copies of every roadwork-free image with a procedural work zone
painted in, labelled roadwork: the same camera, the other label, so the look of a photo cannot tell
the labels apart (each copy a validator view of its own, never scored). On the shared data it trades
one camera's errors for another's under 2.0.4 and hurts the 0.4 route (docs/training.md).

--paste-decoys N adds N such copies with look-alikes painted in (an orange car, a stop sign,
pedestrians), still roadwork-free: copy k has the same road, camera and view as work zone k, so the
pair differs only by what is drawn, and a drawn object alone cannot make the label.

--synthetic N adds N procedural street scenes (half with roadwork, seeded by --seed) to the training
side only: same views, same cache, added to every fold's fit and the final one, never scored nor
used for calibration or exits.`;
