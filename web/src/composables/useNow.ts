import { onScopeDispose, readonly, ref } from 'vue';

/** Reactive `Date.now()` refreshed every `intervalMs`; the timer stops with the scope. */
export function useNow(intervalMs = 1000) {
  const now = ref(Date.now());
  const timer = setInterval(() => {
    now.value = Date.now();
  }, intervalMs);
  onScopeDispose(() => clearInterval(timer));
  return readonly(now);
}
