// The one place that says which source family a manifest group belongs to, which kind of camera
// took it, and what the same-camera proxy holds out whole (docs/training.md, "The same-camera proxy").

/** Which kind of camera took a family's photos; the proxy scores only inside one kind. */
export type CameraKind = 'in-car' | 'web' | 'other';

/**
 * What the same-camera proxy's cross-validation holds out whole: `family` (one camera rig for every
 * group of the family: KITTI's car, CamVid's camera), `group` (each manifest group a camera:
 * dashcam videos of one city, one clip), `image` (independent web photos, each its own camera).
 */
export type CameraUnit = 'family' | 'group' | 'image';

/** One row of the family rule. */
export interface FamilyRule {
  /** Prefixes of the manifest group (after any `--data` folder namespace). */
  readonly prefixes: readonly string[];
  readonly family: string;
  readonly camera: CameraKind;
  readonly unit: CameraUnit;
}

/**
 * The family rule of the shared data (`../shared/data/README.md`): group-name prefixes of
 * `roadwork-real-train` and `street-negatives-camvid`. A group matching none is its own camera of
 * kind `other` (family `folder` for the `pos`/`neg` groups of a folder without manifest groups).
 */
export const FAMILY_RULES: readonly FamilyRule[] = [
  { prefixes: ['mi3-', 'vtti-'], family: 'dashcam work zones', camera: 'in-car', unit: 'group' },
  { prefixes: ['camvid'], family: 'dashcam streets (CamVid)', camera: 'in-car', unit: 'family' },
  { prefixes: ['kitti'], family: 'KITTI', camera: 'in-car', unit: 'family' },
  { prefixes: ['udacity'], family: 'highway', camera: 'in-car', unit: 'family' },
  { prefixes: ['tracon'], family: 'web photos', camera: 'web', unit: 'image' },
];

const FALLBACK: Omit<FamilyRule, 'prefixes' | 'family'> = { camera: 'other', unit: 'group' };

/**
 * The rule of a group, which may be namespaced by its folder (`folder/group`) and split by image
 * (`group/123`): only the manifest group decides (the last `/` part that is not an image index), so a
 * folder name never does.
 */
export function familyRule(group: string): Omit<FamilyRule, 'prefixes'> {
  const parts = group.split('/');
  const name = parts.length > 1 && /^\d+$/.test(parts.at(-1)!) ? parts.at(-2)! : parts.at(-1)!;
  const rule = FAMILY_RULES.find((r) => r.prefixes.some((p) => name.startsWith(p)));
  if (rule !== undefined) return { family: rule.family, camera: rule.camera, unit: rule.unit };
  return { family: name === 'pos' || name === 'neg' ? 'folder' : 'other', ...FALLBACK };
}

/** The group family a manifest group belongs to, for per-family reports. */
export function groupFamily(group: string): string {
  return familyRule(group).family;
}

/** How the proxy names a camera that is a whole family (`cameraUnit`): `camera:` and the family. */
export const CAMERA_PREFIX = 'camera:';

/**
 * The camera whose style a row's photo carries, for `train --style-null`: the proxy's camera unit
 * (a family's one rig, a dashcam city or clip), with web photos, each its own camera, taken as one
 * style. Takes a manifest group, split by image or not, or a group the proxy already rewrote.
 */
export function styleUnit(group: string): string {
  if (group.startsWith(CAMERA_PREFIX)) return group;
  const rule = familyRule(group);
  if (rule.unit !== 'group') return `${CAMERA_PREFIX}${rule.family}`;
  return /\/\d+$/.test(group) ? group.slice(0, group.lastIndexOf('/')) : group;
}

/**
 * How many style directions `--style-null` can find in rows: inside each label, one fewer than the
 * cameras (`styleUnit`) holding that label's rows, summed over the labels. 0 when every label comes
 * from one camera (a folder without manifest groups): there is then nothing to remove.
 */
export function styleRoom(rows: readonly { readonly group: string; readonly label: number }[]): number {
  const cameras = new Map<number, Set<string>>();
  for (const r of rows) {
    const set = cameras.get(r.label) ?? new Set<string>();
    set.add(styleUnit(r.group));
    cameras.set(r.label, set);
  }
  return [...cameras.values()].reduce((n, set) => n + set.size - 1, 0);
}
