/**
 * Slot numbers by hash, for a batch's keys: an open-addressing table emptied and reused
 * batch after batch. The caller hashes its keys (hashText) and compares them itself,
 * so a key of several columns needs no joined string. A Map would do the same work
 * but slows down several-fold past about 4,096 entries (its table is then a large
 * object in the old generation), and a batch holds 5,000 rows by default.
 */

/** Where a probe for a hash starts; `next` walks on from there. */
export class KeySlots {
  // Slot + 1 at each position, 0 where empty; twice the slots held, at least.
  private table = new Int32Array(1024);
  private mask = this.table.length - 1;
  private count = 0;

  /** The first position to look at for `hash`. */
  start(hash: number): number {
    // FNV's low bits mix poorly: fold the high bits in before masking.
    const mixed = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
    return (mixed ^ (mixed >>> 13)) & this.mask;
  }

  next(position: number): number {
    return (position + 1) & this.mask;
  }

  /** The slot at a position, or -1 where the probe ends (the key is not held). */
  slotAt(position: number): number {
    return this.table[position]! - 1;
  }

  /**
   * Puts `slot` at the position where a probe ended (slotAt was -1). `hashOf` gives the
   * hash of any slot held, for when the table grows.
   */
  put(position: number, slot: number, hashOf: (slot: number) => number): void {
    this.table[position] = slot + 1;
    if (++this.count * 2 > this.table.length) this.grow(hashOf);
  }

  clear(): void {
    if (this.count > 0) this.table.fill(0);
    this.count = 0;
  }

  private grow(hashOf: (slot: number) => number): void {
    const old = this.table;
    this.table = new Int32Array(old.length * 2);
    this.mask = this.table.length - 1;
    for (const entry of old) {
      if (entry === 0) continue;
      let position = this.start(hashOf(entry - 1));
      while (this.table[position] !== 0) position = this.next(position);
      this.table[position] = entry;
    }
  }
}

// Per process: which keys collide cannot be told from outside, so an input cannot be
// made of keys that all land in one place.
const SEED = (Math.random() * 0x100000000) >>> 0;

/**
 * FNV-1a of the text's UTF-16 code units, continuing from `hash` (start from HASH_START).
 * Kept to 30 bits: a small integer, which V8 stores and passes without allocating.
 */
export function hashText(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  // A separator, so that the columns ("ab", "c") and ("a", "bc") hash apart.
  return Math.imul(h ^ 0xffff, 0x01000193) & 0x3fffffff;
}

export const HASH_START = (0x811c9dc5 ^ SEED) & 0x3fffffff;
