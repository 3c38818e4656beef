// A server-sent events reader over fetch: it sees every event name (the silo names each event by its detail-type,
// which EventSource would only deliver to listeners registered per name), resumes after the last id it saw when the
// connection drops, and hands over raw data so the caller parses only what it shows.

export class EventStream {
  /**
   * url: the stream address with its filters; onEvent({id, event, data}); onState(state, message) with state
   * 'connecting' | 'open' | 'ended' | 'error' | 'retrying'.
   */
  constructor(url, { onEvent, onState, follow = true }) {
    this.url = url;
    this.onEvent = onEvent;
    this.onState = onState ?? (() => {});
    this.follow = follow;
    this.lastId = null;
    this.controller = null;
    this.stopped = false;
  }

  start() {
    this.run();
    return this;
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }

  async run() {
    while (!this.stopped) {
      this.controller = new AbortController();
      const sep = this.url.includes('?') ? '&' : '?';
      const url = this.lastId === null ? this.url : `${this.url}${sep}after=${this.lastId}`;
      let retryMs = 2000;
      try {
        this.onState('connecting');
        const res = await fetch(url, { signal: this.controller.signal, cache: 'no-store', headers: { accept: 'text/event-stream' } });
        if (!res.ok) {
          const body = await res.json().catch(() => null);
          const message = body?.message ?? `HTTP ${res.status}`;
          if (body?.__type === 'ClusterNotFoundException') {
            this.onState('retrying', message);
            retryMs = 5000;
          } else {
            this.onState('error', message);
            return; // bad filters: the user changes them
          }
        } else {
          this.onState('open');
          await this.read(res.body.getReader());
          if (!this.follow) {
            this.onState('ended');
            return;
          }
          this.onState('retrying', 'the stream closed');
        }
      } catch (e) {
        if (this.stopped) return;
        this.onState('retrying', e.message);
      }
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }

  async read(reader) {
    const decoder = new TextDecoder();
    let buffer = '';
    let id = null, event = 'message', data = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      // Lines are cut by index and the remainder kept once per chunk: a chunk can hold thousands of events.
      let start = 0, nl;
      while ((nl = buffer.indexOf('\n', start)) >= 0) {
        let line = buffer.slice(start, nl);
        start = nl + 1;
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {
          if (data.length) {
            if (id !== null) this.lastId = id;
            this.onEvent({ id, event, data: data.join('\n') });
          }
          id = null; event = 'message'; data = [];
        } else if (line.startsWith(':')) {
          // comment / keep-alive
        } else {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'id') id = v;
          else if (field === 'event') event = v;
          else if (field === 'data') data.push(v);
        }
      }
      buffer = buffer.slice(start);
    }
  }
}
