// Live KPI channel over the same-origin websocket `/ws`.
// Reconnects by itself (exponential backoff + jitter), and cleans up with the calling
// scope (component unmount / effectScope.stop()).

import { onScopeDispose, readonly, ref, shallowRef, watch } from 'vue';
import { useRouter } from 'vue-router';
import { fetchMe } from '../api';
import { newerSnapshot, type KpiSnapshot, type MapSnapshot } from '../contract';
import type { FinanceLive } from './liveProtocol';
import {
  applySequence,
  backoffDelay,
  CLOSE_CLIENT_IDLE,
  CLOSE_SESSION_ENDED,
  DEFAULT_BACKOFF,
  initialStreamState,
  isDataMessage,
  liveQuery,
  liveSocketUrl,
  newer,
  parseServerMessage,
  subscribeMessage,
  type AlertsMessage,
  type ParcelLive,
  type BackoffOptions,
  type LiveChannelName,
  type ConnState,
  type HelloMessage,
} from './liveProtocol';

export interface LiveChannelOptions {
  /** Defaults to ws(s)://<location.host>/ws. */
  url?: string;
  backoff?: BackoffOptions;
  /** Drop and reopen a socket that has been silent this long (half-open TCP). 0 disables. */
  idleTimeoutMs?: number;
  /** Called when the session is gone; defaults to a redirect to /login?next=<current>. */
  onSessionEnded?: () => void;
  /** Channels to subscribe to; defaults to `['kpi']` (the live page). */
  channels?: readonly LiveChannelName[];
  /** Called for every accepted `alerts` message (only sent when subscribed to `alerts`). */
  onAlerts?: (data: AlertsMessage['data']) => void;
  /** Called for every accepted `parcel` message (subscribe to `parcel:<waybill>`); `snapshot` for the picture sent on subscribing. */
  onParcel?: (data: ParcelLive, snapshot: boolean) => void;
  /**
   * Called after a reconnect the server could not resume (it restarted, or too much
   * was missed): changes may have been lost, so lists built from them must be refetched.
   */
  onResync?: () => void;
}

export function useLiveChannel(options: LiveChannelOptions = {}) {
  const router = useRouter();
  const url = options.url ?? liveSocketUrl(window.location);
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const idleTimeoutMs = options.idleTimeoutMs ?? 45_000;
  const onSessionEnded =
    options.onSessionEnded ??
    (() => {
      const next = router.currentRoute.value.fullPath;
      void router.replace({ path: '/login', query: { next } });
    });

  let channels: readonly LiveChannelName[] = options.channels ?? ['kpi'];

  const state = ref<ConnState>('connecting');
  /** Epoch ms of the last data message (not heartbeats): what staleness is judged on. */
  const lastMessageAt = ref<number | null>(null);
  /** Latest KPI snapshot (REST seed or websocket), kept shallow: it carries 60 points. */
  const snapshot = shallowRef<KpiSnapshot | null>(null);
  /**
   * Whether a complete KPI snapshot has arrived (complete !== false). Until then the
   * day's counters are partial sums, and the tiles show "—" rather than a number that
   * will jump (a backlog being materialised after a start or a restart).
   */
  const settled = ref(false);
  watch(snapshot, (s) => {
    if (s && s.complete !== false) settled.value = true;
  });
  /** Latest map snapshot (when subscribed to `map`). */
  const map = shallowRef<MapSnapshot | null>(null);
  /** Today's fees, compensation and net (when subscribed to `finance`). */
  const finance = shallowRef<FinanceLive | null>(null);
  /** How many times the stream had to restart from fresh snapshots after a reconnect. */
  const resyncs = ref(0);
  const hello = shallowRef<HelloMessage | null>(null);
  /** When this channel started; staleness is measured from here until a message arrives. */
  const startedAt = Date.now();

  let socket: WebSocket | null = null;
  let attempt = 0;
  let stream = initialStreamState();
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  let sessionEnded = false;

  function clearTimers(): void {
    clearTimeout(retryTimer);
    clearTimeout(idleTimer);
    retryTimer = idleTimer = undefined;
  }

  function armIdleTimer(ws: WebSocket): void {
    if (idleTimeoutMs <= 0) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      // Do not wait for the closing handshake: a half-open connection may never finish it.
      detach(ws);
      ws.close(CLOSE_CLIENT_IDLE, 'idle');
      scheduleReconnect();
    }, idleTimeoutMs);
  }

  function detach(ws: WebSocket): void {
    ws.onopen = ws.onmessage = ws.onclose = null;
    if (socket === ws) socket = null;
  }

  function endSession(): void {
    if (sessionEnded || disposed) return;
    sessionEnded = true;
    clearTimers();
    state.value = 'closed';
    onSessionEnded();
  }

  function scheduleReconnect(): void {
    if (disposed || sessionEnded) return;
    state.value = 'closed';
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, backoffDelay(attempt, backoff));
    attempt += 1;
  }

  /**
   * A socket refused at the HTTP upgrade (e.g. 401) never opens and only reports 1006,
   * so ask the REST API whether the session is still there.
   */
  async function checkSessionThenReconnect(): Promise<void> {
    try {
      const user = await fetchMe();
      if (!user) return endSession();
    } catch {
      // Server unreachable: just keep retrying.
    }
    if (socket) return; // reconnectNow() already opened a new socket meanwhile
    scheduleReconnect();
  }

  function connect(): void {
    if (disposed || sessionEnded) return;
    clearTimers();
    if (socket) {
      const previous = socket;
      detach(previous);
      previous.close(1000, 'replaced');
    }
    state.value = 'connecting';
    // The stream state survives the reconnect: the server resumes from it when it can.
    const reconnecting = stream.epoch !== null;
    let opened = false;
    let asked = '';

    let ws: WebSocket;
    try {
      ws = new WebSocket(url + liveQuery(channels, stream));
      asked = channels.join(',');
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;

    ws.onopen = () => {
      if (socket !== ws) return;
      opened = true;
      state.value = 'open';
      armIdleTimer(ws);
      // The subscription changed while the socket was connecting.
      if (channels.join(',') !== asked) ws.send(subscribeMessage(channels));
    };

    ws.onmessage = (event: MessageEvent) => {
      if (socket !== ws) return;
      const msg = parseServerMessage(event.data);
      if (!msg) return;
      const step = applySequence(stream, msg);
      stream = step.state;
      if (!step.accepted) return;
      // A valid message proves the connection works: restart the backoff ladder.
      attempt = 0;
      armIdleTimer(ws);
      if (msg.type === 'hello') {
        hello.value = msg;
        if (reconnecting && !msg.resumed) {
          resyncs.value += 1;
          options.onResync?.();
        }
        return;
      }
      if (!isDataMessage(msg)) return;
      lastMessageAt.value = Date.now();
      // A snapshot replayed on (re)connect may be older than figures the page fetched
      // over REST meanwhile: the newer (by `at`) stays.
      if (msg.type === 'kpi') snapshot.value = newer(snapshot.value, msg.data);
      else if (msg.type === 'map') map.value = msg.data;
      else if (msg.type === 'alerts') options.onAlerts?.(msg.data);
      else if (msg.type === 'finance') finance.value = newer(finance.value, msg.data);
      else options.onParcel?.(msg.data, msg.snapshot === true);
    };

    ws.onclose = (event: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      clearTimeout(idleTimer);
      if (disposed) return;
      if (event.code === CLOSE_SESSION_ENDED) return endSession();
      if (!opened) {
        state.value = 'closed';
        void checkSessionThenReconnect();
        return;
      }
      scheduleReconnect();
    };
    // 'error' is always followed by 'close'; reconnect logic lives there.
  }

  /** Replaces the subscription (e.g. follow another parcel); also used by every later reconnect. */
  function setChannels(next: readonly LiveChannelName[]): void {
    channels = [...next];
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(subscribeMessage(channels));
  }

  /** Skip the backoff wait (e.g. the browser came back online). */
  function reconnectNow(): void {
    if (disposed || sessionEnded || socket) return;
    attempt = 0;
    connect();
  }

  /** Offers a snapshot from another source (REST); kept only if newer than the current one. */
  function offerSnapshot(candidate: KpiSnapshot): void {
    snapshot.value = newerSnapshot(snapshot.value, candidate);
  }

  /** Offers a map snapshot from another source (REST); kept only if newer than the current one. */
  function offerMap(candidate: MapSnapshot): void {
    const current = map.value;
    if (!current || Date.parse(candidate.at) > Date.parse(current.at)) map.value = candidate;
  }

  window.addEventListener('online', reconnectNow);

  onScopeDispose(() => {
    disposed = true;
    clearTimers();
    window.removeEventListener('online', reconnectNow);
    const ws = socket;
    if (ws) detach(ws);
    if (ws && (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN)) {
      ws.close(1000, 'client gone');
    }
  });

  connect();

  return {
    state: readonly(state),
    lastMessageAt: readonly(lastMessageAt),
    snapshot,
    settled: readonly(settled),
    map,
    finance,
    hello,
    resyncs: readonly(resyncs),
    startedAt,
    offerSnapshot,
    offerMap,
    setChannels,
    reconnectNow,
  };
}
