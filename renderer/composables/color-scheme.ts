import { inject, onScopeDispose, ref, type InjectionKey, type Ref } from 'vue';

/** 'light' or 'dark', following the OS (prefers-color-scheme) as it changes. */
export function useColorScheme(): Ref<'light' | 'dark'> {
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  const scheme = ref<'light' | 'dark'>(query.matches ? 'dark' : 'light');
  const update = (e: MediaQueryListEvent) => {
    scheme.value = e.matches ? 'dark' : 'light';
  };
  query.addEventListener('change', update);
  onScopeDispose(() => query.removeEventListener('change', update));
  return scheme;
}

/** The App provides the OS colour scheme once; charts inject it to pick their ECharts theme. */
export const COLOR_SCHEME: InjectionKey<Ref<'light' | 'dark'>> = Symbol('color-scheme');

export function injectColorScheme(): Ref<'light' | 'dark'> {
  return inject(COLOR_SCHEME, ref('light'));
}
