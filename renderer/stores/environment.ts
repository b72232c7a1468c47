import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { Environment, FamilyDescriptor } from '../../main/api';
import { messageOf, useApi } from '../api';

/** The host's layer families and environment (backends, device, versions), loaded once at start. */
export const useEnvironmentStore = defineStore('environment', () => {
  const api = useApi();
  const families = shallowRef<FamilyDescriptor[]>([]);
  const environment = shallowRef<Environment | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);

  const backends = computed(() => environment.value?.backends ?? []);
  const availableBackends = computed(() => backends.value.filter((b) => b.available).map((b) => b.name));

  function family(name: string): FamilyDescriptor | undefined {
    return families.value.find((f) => f.name === name);
  }

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const [f, e] = await Promise.all([api.families(), api.environment()]);
      families.value = f;
      environment.value = e;
    } catch (e) {
      error.value = `Could not load the host's families and environment: ${messageOf(e)}`;
    } finally {
      loading.value = false;
    }
  }

  return { families, environment, loading, error, backends, availableBackends, family, load };
});
