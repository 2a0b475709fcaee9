/**
 * A fetch that counts the requests it sends, by method, and passes each on unchanged to the real
 * server: how a test proves that a second run sent no PATCH.
 */
export function countingFetch(): { fetch: typeof fetch; counts: Map<string, number> } {
  const counts = new Map<string, number>();
  return {
    counts,
    fetch: (input, init) => {
      const method = init?.method ?? 'GET';
      counts.set(method, (counts.get(method) ?? 0) + 1);
      return fetch(input, init);
    },
  };
}
