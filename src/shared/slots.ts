/** At most `size` tasks at once; the others wait their turn, first come first served. */
export class Slots {
  readonly #size: number;
  #busy = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`slots must be 1 or more, not ${size}`);
    this.#size = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#busy >= this.#size) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#busy++;
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so the count never drops below what runs.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#busy--;
    }
  }
}
