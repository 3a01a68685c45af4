// A browser-like global environment (window, document, ...) from happy-dom, for Vue Test Utils.
// Import it first: it runs before the modules imported after it.
import { GlobalRegistrator } from '@happy-dom/global-registrator';

GlobalRegistrator.register({ url: 'http://localhost/' });
