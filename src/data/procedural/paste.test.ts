// A work zone or look-alikes painted into a photo: only inside the objects' boxes, seeded, dimmed with the light.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../core/random/index.js';
import { ROADWORK_KINDS, generateScene, pasteDecoys, pasteWorkZone, type Photo } from './index.js';

/** A street photo without roadwork (a procedural one: the same road geometry a dashcam sees). */
function street(seed: string): Photo {
  const s = generateScene(createRng(seed), { roadwork: false, width: 320, height: 240 });
  return { data: s.rgb, width: s.width, height: s.height };
}

test('pasteWorkZone() paints a visible work zone inside its objects boxes only, and leaves the photo alone', () => {
  for (const seed of ['a', 'b', 'c', 'd', 'e', 'f']) {
    const photo = street(`street-${seed}`);
    const before = Uint8Array.from(photo.data);
    const pasted = pasteWorkZone(photo, createRng(`paste-${seed}`));
    assert.deepEqual(photo.data, before, 'the input is not painted over');
    assert.equal(pasted.data.length, photo.data.length);
    assert.ok(
      pasted.objects.some((o) => ROADWORK_KINDS.has(o.kind)),
      `seed ${seed}: no roadwork in view`,
    );
    let changed = 0;
    for (let i = 0; i < photo.data.length; i += 3) {
      if (
        pasted.data[i] === before[i] &&
        pasted.data[i + 1] === before[i + 1] &&
        pasted.data[i + 2] === before[i + 2]
      )
        continue;
      changed++;
      const [x, y] = [(i / 3) % photo.width, Math.floor(i / 3 / photo.width)];
      const inside = pasted.objects.some(
        ({ box }) => x >= box.x - 1 && x <= box.x + box.width && y >= box.y - 1 && y <= box.y + box.height,
      );
      assert.ok(inside, `seed ${seed}: pixel (${x}, ${y}) changed outside every object's box`);
    }
    assert.ok(changed >= 9, `seed ${seed}: ${changed} pixels painted`);
  }
});

test('pasteWorkZone() is seeded, and a dark photo gets darker objects', () => {
  const photo = street('street-seeded');
  const a = pasteWorkZone(photo, createRng('x'));
  assert.deepEqual(pasteWorkZone(photo, createRng('x')).data, a.data);
  assert.notDeepEqual(pasteWorkZone(photo, createRng('y')).data, a.data);
  // Same draw on a bright and a dark copy of the photo: the painted pixels are dimmer on the dark one.
  const painted = (p: Photo, q: ReturnType<typeof pasteWorkZone>) => {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < p.data.length; i++)
      if (q.data[i] !== p.data[i]) {
        sum += q.data[i]!;
        n++;
      }
    return sum / n;
  };
  const flat = (v: number): Photo => ({
    data: new Uint8Array(320 * 240 * 3).fill(v),
    width: 320,
    height: 240,
  });
  const [bright, dark] = [flat(200), flat(30)];
  const [onBright, onDark] = [pasteWorkZone(bright, createRng('x')), pasteWorkZone(dark, createRng('x'))];
  assert.deepEqual(onBright.objects, onDark.objects, 'the same work zone');
  assert.ok(
    painted(dark, onDark) < 0.7 * painted(bright, onBright),
    `${painted(dark, onDark)} vs ${painted(bright, onBright)}`,
  );
});

test('pasteDecoys() paints look-alikes only, at least one in view, inside their boxes', () => {
  for (const seed of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
    const photo = street(`decoy-street-${seed}`);
    const pasted = pasteDecoys(photo, createRng(`decoy-${seed}`));
    assert.ok(pasted.objects.length > 0, `seed ${seed}: nothing in view`);
    assert.ok(
      pasted.objects.every((o) => !ROADWORK_KINDS.has(o.kind)),
      `seed ${seed}: ${pasted.objects.map((o) => o.kind).join(', ')}`,
    );
    for (let i = 0; i < photo.data.length; i += 3) {
      if (
        pasted.data[i] === photo.data[i] &&
        pasted.data[i + 1] === photo.data[i + 1] &&
        pasted.data[i + 2] === photo.data[i + 2]
      )
        continue;
      const [x, y] = [(i / 3) % photo.width, Math.floor(i / 3 / photo.width)];
      assert.ok(
        pasted.objects.some(
          ({ box }) => x >= box.x - 1 && x <= box.x + box.width && y >= box.y - 1 && y <= box.y + box.height,
        ),
        `seed ${seed}: pixel (${x}, ${y}) changed outside every object's box`,
      );
    }
  }
});
