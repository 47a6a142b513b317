// One request composable: the data of a REST call, its error and whether it has answered,
// with the stale-response guard the panels had each written by hand (a request number:
// only the answer of the latest call lands, so a slow answer for the alert shown before
// never overwrites the one shown now). A 401 is the API helper's business (api.ts sends
// the person to the login page): no error is shown for it.

import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { isSessionLost } from '../api';

export interface Request<T> {
  /** The latest call's answer (`initial` until one lands). */
  data: ShallowRef<T>;
  /** The latest call's failure, as a person reads it; null after a success. */
  error: Ref<string | null>;
  /** The latest call has answered, one way or the other. */
  loaded: Ref<boolean>;
  /** Calls again; an earlier call still running is ignored when it answers. */
  load: () => Promise<void>;
}

export function useRequest<T>(fetch: () => Promise<T>, initial: T): Request<T> {
  const data = shallowRef(initial) as ShallowRef<T>;
  const error = ref<string | null>(null);
  const loaded = ref(false);
  let latest = 0;
  async function load(): Promise<void> {
    const mine = ++latest;
    try {
      const value = await fetch();
      if (mine !== latest) return;
      data.value = value;
      error.value = null;
    } catch (err) {
      if (mine !== latest || isSessionLost(err)) return;
      error.value = err instanceof Error ? err.message : String(err);
    } finally {
      if (mine === latest) loaded.value = true;
    }
  }
  return { data, error, loaded, load };
}
