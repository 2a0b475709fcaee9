/**
 * The anchors found in the directory's scope, held compactly for deletion detection: 16 bytes per
 * anchor in one typed array instead of a Set of 36-character strings (about 100 bytes each in V8),
 * so a scan of a million entries holds 16 MB rather than 100 MB. Anchors are canonical GUID text
 * (what `readAnchor` returns). After the scan the set is sorted once; lookups are binary searches,
 * and `mark` records which anchors Lanyard also holds, so the ones it lacks can be listed without
 * a second set.
 *
 * @example
 *   const present = new AnchorSet();
 *   present.add('3ab39606-c642-489b-84b6-58c038d3ef39');
 *   present.mark('3ab39606-c642-489b-84b6-58c038d3ef39'); // → true
 *   [...present.unmarked()]; // → []
 */
const words = 4;

export class AnchorSet {
  #words = new Uint32Array(words * 1024);
  #size = 0;
  #sorted = true;
  #marks = new Uint8Array(0);

  get size(): number {
    this.#seal();
    return this.#size;
  }

  add(anchor: string): void {
    if ((this.#size + 1) * words > this.#words.length) {
      const grown = new Uint32Array(this.#words.length * 2);
      grown.set(this.#words);
      this.#words = grown;
    }
    encode(anchor, this.#words, this.#size * words);
    this.#size += 1;
    this.#sorted = false;
  }

  has(anchor: string): boolean {
    return this.#find(anchor) >= 0;
  }

  /** Marks the anchor as seen elsewhere; false when it is not in the set. */
  mark(anchor: string): boolean {
    const index = this.#find(anchor);
    if (index < 0) return false;
    this.#marks[index] = 1;
    return true;
  }

  /** The anchors not marked, in the set's (binary) order. */
  *unmarked(): Generator<string> {
    this.#seal();
    for (let index = 0; index < this.#size; index += 1) {
      if (this.#marks[index] === 0) yield decode(this.#words, index * words);
    }
  }

  #find(anchor: string): number {
    this.#seal();
    const probe = new Uint32Array(words);
    encode(anchor, probe, 0);
    let low = 0;
    let high = this.#size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = compare(this.#words, middle * words, probe, 0);
      if (order === 0) return middle;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  /** Sorts and removes duplicates (an entry seen twice, e.g. re-pushed); marks start cleared. */
  #seal(): void {
    if (this.#sorted) return;
    const order = new Uint32Array(this.#size);
    for (let index = 0; index < order.length; index += 1) order[index] = index;
    const source = this.#words;
    order.sort((left, right) => compare(source, left * words, source, right * words));
    const sorted = new Uint32Array(Math.max(order.length, 1) * words);
    let size = 0;
    for (const index of order) {
      if (size > 0 && compare(source, index * words, sorted, (size - 1) * words) === 0) continue;
      sorted.set(source.subarray(index * words, index * words + words), size * words);
      size += 1;
    }
    this.#words = sorted;
    this.#size = size;
    this.#marks = new Uint8Array(size);
    this.#sorted = true;
  }
}

function encode(anchor: string, target: Uint32Array, offset: number): void {
  const hex = anchor.replaceAll('-', '');
  for (let word = 0; word < words; word += 1) target[offset + word] = Number.parseInt(hex.slice(word * 8, word * 8 + 8), 16);
}

function decode(source: Uint32Array, offset: number): string {
  let hex = '';
  for (let word = 0; word < words; word += 1) hex += source[offset + word]!.toString(16).padStart(8, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function compare(left: Uint32Array, leftOffset: number, right: Uint32Array, rightOffset: number): number {
  for (let word = 0; word < words; word += 1) {
    const difference = left[leftOffset + word]! - right[rightOffset + word]!;
    if (difference !== 0) return difference;
  }
  return 0;
}
