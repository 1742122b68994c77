// Events the target's rings dropped because jsprobe did not read them fast enough (the target is
// never made to wait): said as they happen, at most once a second, and in all at the end, in
// bpftrace's words.

const EVERY_MS = 1000;

export class LostEvents {
  #total = 0;
  #unsaid = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly say: (line: string) => void) {}

  add(n: number): void {
    this.#total += n;
    this.#unsaid += n;
    if (this.#timer === null) this.#flush();
  }

  #flush(): void {
    if (this.#unsaid === 0) {
      this.#timer = null;
      return;
    }
    this.say(`Lost ${this.#unsaid} events\n`);
    this.#unsaid = 0;
    this.#timer = setTimeout(() => this.#flush(), EVERY_MS);
    this.#timer.unref();
  }

  /** The session is over: the total, if any were lost. */
  end(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#total > 0) this.say(`jsprobe: Lost ${this.#total} events in all (the target's output ring was full)\n`);
  }

  get total(): number {
    return this.#total;
  }
}
