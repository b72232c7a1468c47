import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue';
import type { FamilyDescriptor, Profile, ProfileCheck } from '../../main/api';
import { messageOf, useApi } from '../api';
import { useEnvironmentStore } from './environment';
import {
  configKeys,
  draftFromProfile,
  fieldOfPath,
  newDraft,
  parallelImplementations,
  profileFromDraft,
  type FieldErrors,
  type ProfileDraft,
} from './profile-draft';

/** How long the editor waits after the last keystroke before asking the host to validate. */
export const VALIDATE_DELAY_MS = 250;

/**
 * The sweep being designed: the form's draft, the profile it makes, and the host's verdict on it
 * (api.validateProfile: points, invalid points and why, estimated time).
 */
export const useEditorStore = defineStore('editor', () => {
  const api = useApi();
  const environment = useEnvironmentStore();
  // The host may have named its families before this store exists (the editor is not the first view shown).
  const draft = ref<ProfileDraft>(newDraft(environment.families));
  /** The file the draft came from, if any. */
  const source = ref<string | null>(null);
  const check = shallowRef<ProfileCheck | null>(null);
  const checking = ref(false);
  const checkError = ref<string | null>(null);
  let requestSeq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const catalog = computed<FamilyDescriptor[]>(() => environment.families);
  const keys = computed(() => configKeys(draft.value.families, catalog.value));
  const built = computed(() => profileFromDraft(draft.value, catalog.value));
  const profile = computed<Profile | undefined>(() => built.value.profile);
  const localErrors = computed<FieldErrors>(() => built.value.errors);

  /** Every explanation per field: the form's own checks, then the host's (the profile error, invalid points). */
  const fieldErrors = computed<Record<string, string[]>>(() => {
    const out: Record<string, string[]> = {};
    const add = (field: string, text: string) => {
      const list = (out[field] ??= []);
      if (!list.includes(text)) list.push(text);
    };
    for (const [field, text] of Object.entries(localErrors.value)) add(field, text);
    const c = check.value;
    const fieldOf = (path: string) => fieldOfPath(path, keys.value, built.value.familyIndex) ?? 'profile';
    if (c && profile.value) {
      if (c.ok) for (const i of c.invalid) add(fieldOf(i.field), `${i.family}: ${i.message}`);
      else add(fieldOf(c.field), c.message);
    }
    return out;
  });

  /**
   * Why Run is not possible although the profile is valid: a chosen backend that this host cannot run
   * (the environment probe says why). Shown under the Run button, which stays disabled.
   */
  const runBlockedReason = computed<string | null>(() => {
    for (const name of draft.value.backends) {
      const info = environment.backends.find((b) => b.name === name);
      if (info && !info.available) return `Backend ${name} is unavailable here: ${info.reason ?? 'no reason given'}`;
    }
    return null;
  });
  /** Above the host's point limit a run needs the user's confirmation (startSweep with maxPoints). */
  const overPointLimit = computed(() => (check.value?.ok ? check.value.points > check.value.pointLimit : false));

  const validPoints = computed(() => (check.value?.ok ? check.value.points - check.value.invalidPoints : 0));
  const canRun = computed(
    () =>
      profile.value !== undefined &&
      check.value?.ok === true &&
      (validPoints.value > 0 || overPointLimit.value) &&
      !checking.value &&
      runBlockedReason.value === null,
  );

  /** Asks the host about the current profile now; a newer request supersedes an older answer. */
  async function validateNow(): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const p = profile.value;
    const seq = ++requestSeq;
    if (!p) {
      check.value = null;
      checking.value = false;
      return;
    }
    checking.value = true;
    try {
      const answer = await api.validateProfile(p);
      if (seq !== requestSeq) return;
      check.value = answer;
      checkError.value = null;
    } catch (e) {
      if (seq !== requestSeq) return;
      check.value = null;
      checkError.value = `The host could not check the sweep: ${messageOf(e)}`;
    } finally {
      if (seq === requestSeq) checking.value = false;
    }
  }

  function scheduleValidation(): void {
    if (timer !== undefined) clearTimeout(timer);
    // An answer still in flight is for an older profile: it must not land over this one.
    requestSeq++;
    checking.value = profile.value !== undefined;
    timer = setTimeout(() => void validateNow(), VALIDATE_DELAY_MS);
  }

  watch(profile, scheduleValidation, { deep: true });
  onScopeDispose(() => {
    if (timer !== undefined) clearTimeout(timer);
  });

  // A new draft lists the families once the host has named them; a loaded one gains the missing ones, unselected.
  watch(catalog, (families) => {
    if (draft.value.families.length === 0 && source.value === null) {
      draft.value = newDraft(families);
      return;
    }
    const known = new Set(draft.value.families.map((f) => f.name));
    for (const f of families) {
      if (!known.has(f.name))
        draft.value.families.push({ name: f.name, selected: false, implementations: parallelImplementations(f), overrides: '' });
    }
  });

  /** Replaces the draft with an opened profile. */
  function loadProfile(p: Profile, name: string | null = null): void {
    draft.value = draftFromProfile(p, catalog.value);
    source.value = name;
    check.value = null;
  }

  function reset(): void {
    draft.value = newDraft(catalog.value);
    source.value = null;
    check.value = null;
  }

  return {
    draft,
    source,
    check,
    checking,
    checkError,
    keys,
    profile,
    localErrors,
    fieldErrors,
    validPoints,
    canRun,
    runBlockedReason,
    overPointLimit,
    validateNow,
    loadProfile,
    reset,
  };
});
