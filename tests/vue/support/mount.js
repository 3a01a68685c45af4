// Mounts a one-off component whose setup runs `use()`; returns the wrapper and what `use()`
// returned. Render functions only, so no template compiler is involved.
import { defineComponent, h } from 'vue';
import { mount } from '@vue/test-utils';

export function mountUsing(use, render = () => h('div')) {
  let result;
  const Component = defineComponent({
    setup() {
      result = use();
      return () => render(result);
    },
  });
  const wrapper = mount(Component);
  return { wrapper, result };
}
