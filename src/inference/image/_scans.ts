// Counts the scans of a JPEG without decoding it: the CPU cost of a progressive decode grows with
// (blocks × scans), so a few hundred KB with hundreds of tiny scans can cost tens of seconds.

/**
 * Number of SOS markers (scans) in a JPEG, counting up to `stopAfter + 1` and stopping there.
 * Inside entropy-coded data 0xFF is followed by 0x00 (a stuffed byte), a restart marker or fill;
 * anything else is the next marker.
 */
export function countJpegScans(bytes: Uint8Array, stopAfter = Infinity): number {
  const n = bytes.length;
  let scans = 0;
  let i = 2;
  while (i + 3 < n) {
    if (bytes[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0x00 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9) break;
    const length = (bytes[i + 2]! << 8) | bytes[i + 3]!;
    if (marker === 0xda) {
      scans++;
      if (scans > stopAfter) return scans;
    }
    // After a segment's header the walk resumes byte by byte, which also crosses a scan's entropy data.
    i += 2 + Math.max(2, length);
  }
  return scans;
}
