// Small statistics helpers.
export const median = (xs) => {
  const a = xs.filter((x) => Number.isFinite(x)).sort((p, q) => p - q);
  if (!a.length) return null;
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
};
export const quantile = (xs, p) => {
  const a = xs.filter((x) => Number.isFinite(x)).sort((x, y) => x - y);
  if (!a.length) return null;
  const i = Math.min(a.length - 1, Math.max(0, Math.ceil(p * a.length) - 1));
  return a[i];
};
export const summary = (xs) => {
  const a = xs.filter((x) => Number.isFinite(x));
  return { median: median(a), min: a.length ? Math.min(...a) : null, max: a.length ? Math.max(...a) : null, runs: a };
};
