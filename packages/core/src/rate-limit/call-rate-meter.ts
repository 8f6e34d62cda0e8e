const WINDOW_MS = 1000;

/**
 * Counts calls and the most that started within any one second (a sliding window, so a burst
 * straddling two clock seconds is still seen as one burst).
 */
export class CallRateMeter {
  #total = 0;
  #peakPerSecond = 0;
  /** Start times (ms) of the calls within the last second, oldest first. */
  readonly #window: number[] = [];
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Records one call starting now. */
  record(): void {
    const at = this.#now();
    // A call exactly one second after another opens a new window: (at - 1 s, at].
    while (this.#window.length > 0 && (this.#window[0] ?? at) <= at - WINDOW_MS) {
      this.#window.shift();
    }
    this.#window.push(at);
    this.#total += 1;
    this.#peakPerSecond = Math.max(this.#peakPerSecond, this.#window.length);
  }

  get total(): number {
    return this.#total;
  }

  /** The highest number of calls that started within any one second. */
  get peakPerSecond(): number {
    return this.#peakPerSecond;
  }

  snapshot(): { total: number; peakPerSecond: number } {
    return { total: this.#total, peakPerSecond: this.#peakPerSecond };
  }
}
