// One request composable: the data of a REST call, its error, whether it is running and
// whether it has answered, with the stale-response guard the pages had each written by
// hand (a request number: only the answer of the latest call lands, so a slow answer for
// the alert shown before never overwrites the one shown now). A new call aborts the one
// still running (its fetch gets an AbortSignal); so does the end of the component's
// scope, after which no answer lands. A 401 is the API helper's business (api.ts sends
// the person to the login page): no error is shown for it.

import { getCurrentScope, onScopeDispose, ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { isSessionLost } from '../api';

export interface RequestOptions {
  /** The failure as a person reads it (default: the error's message). */
  errorMessage?: (err: unknown) => string;
  /** A failure also drops the answer shown before (data goes back to `initial`). */
  clearOnError?: boolean;
}

export interface Request<T, A extends unknown[] = []> {
  /** The latest call's answer (`initial` until one lands). */
  data: ShallowRef<T>;
  /** The latest call's failure, as a person reads it; null after a success. */
  error: Ref<string | null>;
  /** The latest call is running. */
  loading: Ref<boolean>;
  /** The latest call has answered, one way or the other. */
  loaded: Ref<boolean>;
  /**
   * Calls again (with `args`, passed on to the fetch); an earlier call still running is
   * aborted and ignored when it answers. Resolves to true when this call's answer landed.
   */
  load: (...args: A) => Promise<boolean>;
  /** Drops the call running, if any: its answer is ignored; what is shown stays. */
  cancel: () => void;
  /** Drops the call running, if any, and goes back to the start: `initial`, no error. */
  reset: () => void;
}

export function useRequest<T, A extends unknown[] = []>(
  fetch: (signal: AbortSignal, ...args: A) => Promise<T>,
  initial: T,
  options: RequestOptions = {},
): Request<T, A> {
  const data = shallowRef(initial) as ShallowRef<T>;
  const error = ref<string | null>(null);
  const loading = ref(false);
  const loaded = ref(false);
  let latest = 0;
  let controller: AbortController | null = null;

  /** Makes any running call stale: its answer, when it comes, is ignored. */
  function cancel(): void {
    latest++;
    controller?.abort();
    controller = null;
    loading.value = false;
  }

  async function load(...args: A): Promise<boolean> {
    cancel();
    const mine = latest;
    const own = new AbortController();
    controller = own;
    loading.value = true;
    try {
      const value = await fetch(own.signal, ...args);
      if (mine !== latest) return false;
      data.value = value;
      error.value = null;
      return true;
    } catch (err) {
      if (mine !== latest || isSessionLost(err)) return false;
      if (options.clearOnError) data.value = initial;
      error.value = options.errorMessage ? options.errorMessage(err) : err instanceof Error ? err.message : String(err);
      return false;
    } finally {
      if (mine === latest) {
        loading.value = false;
        loaded.value = true;
        controller = null;
      }
    }
  }

  function reset(): void {
    cancel();
    data.value = initial;
    error.value = null;
    loaded.value = false;
  }

  if (getCurrentScope()) onScopeDispose(cancel);
  return { data, error, loading, loaded, load, cancel, reset };
}
