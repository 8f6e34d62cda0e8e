import { failure } from "./console-api.ts";

/** A part of the page that refreshes itself from the API. */
export interface LiveView {
  refresh(): Promise<void>;
}

export interface LiveOptions {
  /** Between the end of one round of refreshes and the next. */
  intervalMs: number;
  /** Told after each round: null when every view refreshed, else the first failure. */
  onRound(error: string | null): void;
}

/**
 * Polls: every view refreshes, then the next round waits `intervalMs`. Polling, not server-sent
 * events: the operator routes are the data source as they are, and a round never overlaps the
 * last one however slow the API is.
 */
export function live(views: readonly LiveView[], options: LiveOptions): void {
  const round = async () => {
    const results = await Promise.allSettled(views.map((view) => view.refresh()));
    const failed = results.find((result) => result.status === "rejected");
    options.onRound(failed ? failure(failed.reason) : null);
    setTimeout(round, options.intervalMs);
  };
  void round();
}
