import { defineStore } from 'pinia';
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue';
import type { FamilyDescriptor, Profile, ProfileCheck } from '../../main/api';
import { messageOf, useApi } from '../api';
import { useEnvironmentStore } from './environment';
import { useSweepStore } from './sweep';
import {
  configKeys,
  draftFromProfile,
  fieldOfPath,
  hostMessage,
  newDraft,
  parallelImplementations,
  profileFromDraft,
  type FieldErrors,
  type ProfileDraft,
} from './profile-draft';
import { SHIPPED_PROFILES } from './shipped-profiles';

/** Above this estimate a run asks the user first, as a plan over the point limit does. */
export const CONFIRM_ABOVE_MS = 10 * 60_000;

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
  const draft = ref<ProfileDraft>(newDraft(environment.families, environment.availableBackends));
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

  const fieldOf = (path: string) => fieldOfPath(path, keys.value, built.value.familyIndex) ?? 'profile';
  /** The field a run's start was refused for (the host's error names it), until the next check. */
  const runError = ref<{ field: string; message: string } | null>(null);
  /** Marks the field an error from the host names, and returns the form field to focus. */
  function markHostError(field: string, message: string): string {
    runError.value = { field, message };
    return fieldOf(field);
  }
  function collect(entries: [string, string][]): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [field, text] of entries) {
      const list = (out[field] ??= []);
      if (!list.includes(text)) list.push(text);
    }
    return out;
  }

  /**
   * Errors per field: the form's own checks, then the host's profile error, with one prefix that names
   * the family rather than its index. While any field has one, Run is disabled.
   */
  const fieldErrors = computed<Record<string, string[]>>(() => {
    const entries: [string, string][] = Object.entries(localErrors.value);
    const c = check.value;
    if (c && !c.ok && profile.value) entries.push([fieldOf(c.field), hostMessage(c.field, c.message, built.value.familyIndex)]);
    const r = runError.value;
    if (r) entries.push([fieldOf(r.field), hostMessage(r.field, r.message, built.value.familyIndex)]);
    return collect(entries);
  });
  /**
   * Warnings per field: values that make some points invalid (recorded with the reason, not measured).
   * The sweep can run; these say what it will skip.
   */
  const fieldWarnings = computed<Record<string, string[]>>(() => {
    const c = check.value;
    if (!c?.ok || !profile.value) return {};
    return collect(c.invalid.map((i) => [fieldOf(i.field), hostMessage(i.field, i.message, built.value.familyIndex, i.family)]));
  });
  /** Every error as the plan's summary lists it: the form field it belongs to (to focus it) and the text. */
  const errorList = computed(() => Object.entries(fieldErrors.value).flatMap(([field, texts]) => texts.map((text) => ({ field, text }))));

  /**
   * Why Run is not possible although the profile is valid: a chosen backend that this host cannot run
   * (the environment probe says why). Shown under the Run button, which stays disabled.
   */
  const runBlockedReason = computed<string | null>(() => {
    for (const name of draft.value.backends) {
      // An optional backend the host lacks is left out of the run (the host says so), never a block.
      if (draft.value.optionalBackends.includes(name)) continue;
      const info = environment.backends.find((b) => b.name === name);
      if (info && !info.available) return `Backend ${name} is unavailable here: ${info.reason ?? 'no reason given'}`;
    }
    return null;
  });
  /** Above the host's point limit a run needs the user's confirmation (startSweep with maxPoints). */
  const overPointLimit = computed(() => (check.value?.ok ? check.value.points > check.value.pointLimit : false));

  const validPoints = computed(() => (check.value?.ok ? check.value.points - check.value.invalidPoints : 0));
  /** Above CONFIRM_ABOVE_MS of estimated time a run asks first. */
  const overTimeLimit = computed(() => (check.value?.ok ? check.value.estimatedMs > CONFIRM_ABOVE_MS : false));
  const canRun = computed(
    () =>
      profile.value !== undefined &&
      errorList.value.length === 0 &&
      check.value?.ok === true &&
      (validPoints.value > 0 || overPointLimit.value) &&
      !checking.value &&
      runBlockedReason.value === null,
  );

  /** Asks the host about the current profile now; a newer request supersedes an older answer. */
  async function validateNow(): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    runError.value = null;
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
  // A finished run calibrates the host's time estimate: the plan on screen is estimated again from it,
  // so it never keeps saying "nominal rates" after this machine has been measured.
  const sweep = useSweepStore();
  watch(
    () => sweep.finishedAt,
    (at) => {
      if (at !== null) scheduleValidation();
    },
  );
  onScopeDispose(() => {
    if (timer !== undefined) clearTimeout(timer);
  });

  // A new draft lists the families once the host has named them; a loaded one gains the missing ones, unselected.
  watch(catalog, (families) => {
    if (draft.value.families.length === 0 && source.value === null) {
      draft.value = newDraft(families, environment.availableBackends);
      return;
    }
    const known = new Set(draft.value.families.map((f) => f.name));
    for (const f of families) {
      if (!known.has(f.name))
        draft.value.families.push({ name: f.name, selected: false, implementations: parallelImplementations(f), overrides: '' });
    }
  });

  /** The profile as last saved or opened (canonical JSON), to tell whether the form has changed since. */
  const savedAs = ref<string | null>(null);
  const dirty = computed(() => savedAs.value === null || JSON.stringify(profile.value ?? null) !== savedAs.value);

  /** Replaces the draft with an opened profile. */
  function loadProfile(p: Profile, name: string | null = null): void {
    draft.value = draftFromProfile(p, catalog.value);
    source.value = name;
    check.value = null;
    savedAs.value = null;
    // The draft's profile is what the form makes of p (defaults filled in): compare against that.
    savedAs.value = name ? JSON.stringify(profileFromDraft(draft.value, catalog.value).profile ?? null) : null;
  }

  /** Records that the current profile was saved as `name`: the Files view says so until the form changes. */
  function markSaved(name: string): void {
    source.value = name;
    savedAs.value = JSON.stringify(profile.value ?? null);
  }

  /** Starts from one of the shipped profiles (profiles/*.profile.json). */
  function loadStarter(name: string): void {
    const starter = SHIPPED_PROFILES.find((s) => s.name === name);
    if (starter) loadProfile(starter.profile, `${starter.name}.profile.json (shipped)`);
    savedAs.value = null;
  }

  function reset(): void {
    draft.value = newDraft(catalog.value, environment.availableBackends);
    source.value = null;
    check.value = null;
    savedAs.value = null;
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
    markHostError,
    fieldWarnings,
    errorList,
    dirty,
    overTimeLimit,
    starters: SHIPPED_PROFILES,
    validPoints,
    canRun,
    runBlockedReason,
    overPointLimit,
    validateNow,
    loadProfile,
    loadStarter,
    markSaved,
    reset,
  };
});
