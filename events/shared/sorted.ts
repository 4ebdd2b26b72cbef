/**
 * The number of leading items of `items` for which `before` holds, found by binary search:
 * `items` must be partitioned (every item that passes comes before every item that fails),
 * e.g. sorted ascending with `before = (x) => x <= limit`. The index of the first item that
 * fails, so `items.slice(0, n)` passes and `items.slice(n)` does not.
 */
export function partitionPoint<T>(items: readonly T[], before: (item: T) => boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(items[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
