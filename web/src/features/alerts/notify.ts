// Browser-only paging: a short WebAudio beep and a desktop Notification.
// The AudioContext is created on a user gesture (autoplay policy); permission for
// notifications is only asked from a click, never on load.

let audio: AudioContext | null = null;

/** Call from a user gesture (click/keydown) so later beeps are allowed to play. */
export function unlockAudio(): void {
  try {
    if (!audio) audio = new AudioContext();
    if (audio.state === 'suspended') void audio.resume();
  } catch {
    audio = null;
  }
}

/** Two short 880 Hz beeps; silent if audio was never unlocked or is unavailable. */
export function beep(): void {
  if (!audio) return;
  try {
    const t0 = audio.currentTime;
    for (const start of [0, 0.25]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = 'square';
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, t0 + start);
      gain.gain.exponentialRampToValueAtTime(0.2, t0 + start + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + start + 0.18);
      osc.connect(gain).connect(audio.destination);
      osc.start(t0 + start);
      osc.stop(t0 + start + 0.2);
    }
  } catch {
    // Audio is a nicety: never let it break the page.
  }
}

export type NotifyPermission = 'default' | 'granted' | 'denied' | 'unsupported';

export function notifyPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks for permission; must be called from a click handler. */
export async function requestNotifyPermission(): Promise<NotifyPermission> {
  unlockAudio();
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission !== 'default') return Notification.permission;
  try {
    return await Notification.requestPermission();
  } catch {
    return notifyPermission();
  }
}

export function showNotification(title: string, body: string, tag: string): void {
  if (notifyPermission() !== 'granted') return;
  try {
    new Notification(title, { body, tag });
  } catch {
    // Some mobile browsers only allow notifications from a service worker.
  }
}
