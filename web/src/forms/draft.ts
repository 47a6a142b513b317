// Drafts of a form kept in localStorage so a reload (or a crash, or a slip of the
// finger on the back button) does not lose what a person typed on the phone with a
// customer. Cleared when the form is sent or cancelled. Guarded: without storage
// (private mode, quota, node) nothing is kept and nothing fails.

const PREFIX = 'parcelwatch.draft.';

export function loadDraft<T extends Record<string, unknown>>(key: string): Partial<T> | null {
  try {
    const raw = globalThis.localStorage?.getItem(PREFIX + key);
    if (!raw) return null;
    const v: unknown = JSON.parse(raw);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Partial<T>) : null;
  } catch {
    return null;
  }
}

/** Saves the text fields of a form; an all-empty form removes the draft instead. */
export function saveDraft(key: string, value: Record<string, unknown>): void {
  try {
    const kept = Object.fromEntries(
      Object.entries(value).filter(([, v]) => typeof v === 'string' || typeof v === 'number'),
    );
    const empty = Object.values(kept).every((v) => typeof v !== 'string' || v.trim() === '');
    if (empty) globalThis.localStorage?.removeItem(PREFIX + key);
    else globalThis.localStorage?.setItem(PREFIX + key, JSON.stringify(kept));
  } catch {
    // Storage unavailable or full: the draft just isn't kept.
  }
}

export function clearDraft(key: string): void {
  try {
    globalThis.localStorage?.removeItem(PREFIX + key);
  } catch {
    // nothing kept
  }
}

/** Restores a draft over a form's defaults, keeping only the fields the form has, of the same type. */
export function withDraft<T extends Record<string, unknown>>(defaults: T, draft: Partial<T> | null): T {
  if (!draft) return defaults;
  const out = { ...defaults };
  for (const k of Object.keys(defaults) as Array<keyof T>) {
    const v = draft[k];
    if (v !== undefined && typeof v === typeof defaults[k]) out[k] = v as T[keyof T];
  }
  return out;
}
