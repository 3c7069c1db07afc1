/** The keys one workload worker owns: add, remove and pick at random, each in constant time. */
export class KeyPool {
  readonly #keys: number[] = [];
  readonly #index = new Map<number, number>();

  get size(): number {
    return this.#keys.length;
  }

  add(key: number): void {
    if (this.#index.has(key)) return;
    this.#index.set(key, this.#keys.length);
    this.#keys.push(key);
  }

  remove(key: number): void {
    const at = this.#index.get(key);
    if (at === undefined) return;
    const last = this.#keys.pop()!;
    this.#index.delete(key);
    if (last !== key) {
      this.#keys[at] = last;
      this.#index.set(last, at);
    }
  }

  /** A key chosen by `random` (a number in [0, 1)); undefined when the pool is empty. */
  pick(random: () => number): number | undefined {
    return this.#keys[Math.floor(random() * this.#keys.length)];
  }
}
