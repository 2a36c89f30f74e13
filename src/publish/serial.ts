/**
 * Runs tasks one at a time per key and tasks of different keys side by side: publications to one
 * platform directory wait for each other (each starts from the state the previous one made), those to
 * different directories do not. Within one process, which is where publications run (the database
 * lock keeps a second patchferry off the same state).
 */
export class KeyedSerial {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const result = before.then(task, task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
