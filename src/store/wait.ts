export type Attempt<T> = { done: true; value: T } | { done: false; error: () => Error };

/**
 * Retries `attempt` with exponential backoff (50 ms doubling to 2 s, with jitter) until it succeeds
 * or `timeoutMs` has passed; with a timeout of 0 it tries exactly once.
 */
export async function waitWithBackoff<T>(timeoutMs: number, attempt: () => Promise<Attempt<T>>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    const result = await attempt();
    if (result.done) return result.value;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw result.error();
    await new Promise((resolve) => setTimeout(resolve, Math.min(remaining, delay * (0.5 + Math.random()))));
    delay = Math.min(delay * 2, 2_000);
  }
}
