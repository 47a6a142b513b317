// Keeps the alert ticker current: a REST list (seed) plus the `alerts` changes of the
// websocket, without losing changes that arrive while a list is on its way. No Vue, no
// DOM: the caller passes the fetch and receives the items, so it is tested in node.

import type { Alert } from '../alerts/types';
import type { AlertsMessage } from '../../composables/liveProtocol';
import { applyAlertChanges, seedTicker, type TickerItem } from './ticker';

export interface TickerFeedOptions {
  fetchList: () => Promise<Alert[]>;
  publish: (items: TickerItem[]) => void;
  onError: (err: unknown) => void;
}

export interface TickerFeed {
  /** Applies one `alerts` message (and remembers it for a list in flight). */
  onChanges(data: AlertsMessage['data']): void;
  /**
   * Fetches the list. One request at a time; asked again meanwhile (e.g. a resync after
   * lost changes), it fetches once more afterwards, as the list in flight may predate the loss.
   */
  seed(): Promise<void>;
  /** Whether a list has been received at least once. */
  readonly seeded: boolean;
  readonly seeding: boolean;
  /** Stops publishing (the component is gone). */
  dispose(): void;
}

export function createTickerFeed(o: TickerFeedOptions): TickerFeed {
  let items: TickerItem[] = [];
  let pending: AlertsMessage['data'][] | null = null;
  let inFlight: Promise<void> | null = null;
  let again = false;
  let seeded = false;
  let disposed = false;

  const publish = (next: TickerItem[]) => {
    items = next;
    if (!disposed) o.publish(next);
  };

  async function fetchOnce(): Promise<void> {
    pending = [];
    try {
      const list = await o.fetchList();
      if (disposed) return;
      let next = seedTicker(list);
      for (const change of pending) next = applyAlertChanges(next, change);
      seeded = true;
      publish(next);
    } catch (err) {
      if (!disposed) o.onError(err);
    } finally {
      pending = null;
    }
  }

  return {
    onChanges(data) {
      pending?.push(data);
      publish(applyAlertChanges(items, data));
    },
    seed() {
      if (inFlight) {
        again = true;
        return inFlight;
      }
      inFlight = (async () => {
        do {
          again = false;
          await fetchOnce();
        } while (again && !disposed);
      })().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    get seeded() {
      return seeded;
    },
    get seeding() {
      return inFlight !== null;
    },
    dispose() {
      disposed = true;
    },
  };
}
