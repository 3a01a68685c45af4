// Module resolution hook (node:module register): `pkg/vue.js` imports the peer dependency
// `vue`, which pkg/ does not install. Resolve it from this test package instead, so the
// composables and Vue Test Utils share one Vue (one current component instance).
const testsDir = new URL('../', import.meta.url).href;
const pkgDir = new URL('../../../pkg/', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const fromPkg = context.parentURL?.startsWith(pkgDir);
  if (fromPkg && (specifier === 'vue' || specifier.startsWith('vue/'))) {
    return nextResolve(specifier, { ...context, parentURL: testsDir });
  }
  return nextResolve(specifier, context);
}
