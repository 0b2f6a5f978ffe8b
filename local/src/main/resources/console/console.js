// Local mode's console: polls /__console/feed once a second and renders conversations as Messenger
// would, with a timeline per message. No framework, no build step; every text goes in as text.
'use strict';
(() => {
  const PAGE = 50;
  const $ = (id) => document.getElementById(id);
  const messages = new Map();      // message id -> {id, key, request, graph[], events[], status, mid, stamp}
  const conversations = new Map(); // "page/psid" -> {pageId, psid, items: [{message} | {user: event, at}], last}
  const byMid = new Map();         // Facebook mid -> message id
  let cursor = 0, pageId = '', selectedKey = null, selectedId = null, shown = PAGE, dirty = true;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v; else if (k === 'onclick') node.onclick = v; else node.setAttribute(k, v);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined && child !== false)
      node.append(child instanceof Node ? child : String(child));
    return node;
  }
  const time = (iso) => iso ? iso.slice(11, 23) : '';

  function conversation(page, psid) {
    const key = page + '/' + psid;
    if (!conversations.has(key)) conversations.set(key, {pageId: page, psid, items: [], last: ''});
    return conversations.get(key);
  }
  function message(id, entry) {
    if (!messages.has(id)) {
      messages.set(id, {id, key: null, request: null, graph: [], events: [], status: 'queued'});
    }
    const m = messages.get(id);
    if (!m.key && entry.psid && entry.page_id) {
      m.key = entry.page_id + '/' + entry.psid;
      conversation(entry.page_id, entry.psid).items.push({message: id});
    }
    return m;
  }
  // A function's log line carries the time it was logged: the timeline uses it.
  function event(m, entry, text, cls) { m.events.push({at: (entry.data || {}).timestamp || entry.at, text, cls}); }

  // One feed entry into the model.
  function take(e) {
    const d = e.data || {};
    if (e.kind === 'request') {
      if (!e.message_id) return;
      const m = message(e.message_id, e);
      m.request = d;
      const warnings = (d.answer && d.answer.warnings) || [];
      event(m, e, `Accepted ${d.status} · signature ${d.signature}${d.idempotency_key ? ' · Idempotency-Key' : ''}`
        + ` · delay ${d.delay || 0} s${warnings.length ? ' · ' + warnings.length + ' warning(s)' : ''}`, 'ok');
      warnings.forEach((w) => event(m, e, 'Warning: ' + w, 'warn'));
      conversation(e.page_id, e.psid).last = previewOf(d.message);
    } else if (e.kind === 'graph') {
      if (!e.message_id) return;
      const m = message(e.message_id, e);
      m.graph.push(d);
      const a = d.answer || {};
      if (d.status === 200) {
        m.mid = a.message_id; byMid.set(a.message_id, m.id);
        event(m, e, `Graph 200: delivered as ${a.message_id}${d.reply_lost ? ' (reply lost: the echo settles it)' : ''}`, 'ok');
      } else {
        const err = a.error || {};
        event(m, e, `Graph ${d.status} (#${err.code}) ${err.message || ''}`, err.code === 613 ? 'warn' : 'bad');
      }
    } else if (e.kind === 'log' && e.message_id) {
      const m = message(e.message_id, e);
      if (d.event === 'message_accepted') {
        event(m, e, `Enqueued by ${d.function}${d.delay_seconds ? `, delayed ${d.delay_seconds} s` : ''} (${d.template_type}, ${d.messaging_type})`);
      } else if (d.event === 'page_throttled') {
        event(m, e, `Throttled (Graph #${d.graph_code}): page paced, waiting ${d.wait_ms} ms`, 'warn');
      } else {
        const detail = ['attempt', 'outcome', 'status', 'error_code', 'graph_code', 'claim', 'wait_ms', 'detail']
          .filter((k) => d[k] !== undefined && d[k] !== null).map((k) => `${k} ${typeof d[k] === 'object' ? JSON.stringify(d[k]) : d[k]}`).join(', ');
        event(m, e, `${d.function}: ${d.event}${detail ? ' (' + detail + ')' : ''}`, d.level === 'ERROR' ? 'bad' : d.level === 'WARN' ? 'warn' : '');
      }
    } else if (e.kind === 'status' && e.message_id) {
      const m = message(e.message_id, e);
      m.status = d.status || m.status;
      const err = d.error && typeof d.error === 'object' ? ` (${d.error.code || ''} ${d.error.message || ''})` : '';
      event(m, e, `Status ${d.status === 'pending' ? 'pending (the send API is committing it)' : d.status}${d.attempts !== undefined ? ', ' + d.attempts + ' attempt(s)' : ''}${err}`, d.status === 'failed' ? 'bad' : 'ok');
    } else if (e.kind === 'webhook') {
      const ev = d.event || {};
      const c = conversation(e.page_id, e.psid);
      if (ev.message && ev.message.is_echo) {
        const m = e.message_id && messages.get(e.message_id);
        if (m) { m.stamp = ev.timestamp; event(m, e, `Echo received (Facebook time ${ev.timestamp}), webhook ${d.status}`, 'ok'); }
      } else if (ev.delivery || ev.read) {
        const kind = ev.delivery ? 'Delivery' : 'Read';
        const watermark = (ev.delivery || ev.read).watermark;
        const mids = (ev.delivery && ev.delivery.mids) || [];
        c.items.filter((i) => i.message).map((i) => messages.get(i.message)).forEach((m) => {
          if (mids.includes(m.mid) || (m.stamp && m.stamp <= watermark)) {
            event(m, e, `${kind} receipt (watermark ${watermark}) from ${d.from}, webhook ${d.status}`, 'ok');
          }
        });
      } else if (ev.message || ev.referral || ev.postback) {
        c.items.push({user: ev, at: e.at, status: d.status});
        c.last = ev.message ? ev.message.text : 'referral ' + ((ev.referral || {}).ref || '').replace(/;sig=.*/, ';sig=…');
      }
    }
    if (e.message_id && messages.has(e.message_id)) messages.get(e.message_id).touched = e.seq;
    dirty = true;
  }
  function takeCallback(c) {
    const m = c.message_id && messages.get(c.message_id);
    const d = c.data || {};
    if (m) event(m, c, `Callback ${d.type || ''} sent: answer ${d.answer_status || d.outcome || '?'}`, d.ok === false ? 'bad' : 'ok');
    dirty = true;
  }

  function previewOf(msg) {
    if (!msg) return '';
    return msg.text || (msg.template_type ? msg.template_type + ' template' : '');
  }

  // ---- rendering as Messenger does ----
  function buttons(list) {
    return (list || []).slice(0, 3).map((b) => el('span', {class: 'tbutton', 'data-type': b.type}, b.title || b.type));
  }
  function render(m) {
    const graphOk = [...m.graph].reverse().find((g) => g.status === 200) || m.graph[m.graph.length - 1];
    const requested = (m.request && m.request.message) || {};
    const delivered = graphOk && graphOk.message;
    const out = [];
    const payload = delivered && delivered.attachment ? delivered.attachment.payload || {} : null;
    const kind = payload ? payload.template_type : delivered ? 'text' : requested.template_type || 'text';
    const src = payload || (delivered && !delivered.attachment ? delivered : requested);
    if (kind === 'text') {
      out.push(el('span', {class: 'bubble bubble-text'}, src.text || ''));
    } else if (kind === 'button') {
      out.push(el('span', {class: 'template button-template'}, el('span', {class: 'bubble'}, src.text || ''), buttons(src.buttons)));
    } else if (kind === 'generic' || kind === 'list') {
      const square = src.image_aspect_ratio === 'square';
      out.push(el('span', {class: 'carousel', role: 'group', 'aria-label': `Carousel of ${(src.elements || []).length} cards`},
        (src.elements || []).map((c) => el('span', {class: 'card' + (square ? ' square' : '')},
          el('span', {class: 'image', style: c.image_url ? `background-image:url("${encodeURI(c.image_url)}")` : null},
            c.image_url ? '' : 'no image'),
          el('span', {class: 'body'}, el('span', {class: 'card-title'}, c.title || ''),
            c.subtitle ? el('span', {class: 'card-subtitle'}, c.subtitle) : null),
          buttons(c.buttons)))));
    } else if (kind === 'receipt') {
      const s = src.summary || {};
      const money = (v) => `${v} ${src.currency || ''}`;
      const a = src.address;
      out.push(el('span', {class: 'receipt'},
        el('span', {class: 'receipt-title'}, `Order ${src.order_number || ''}`),
        el('span', {class: 'meta'}, `${src.recipient_name || ''} · ${src.payment_method || ''}`),
        (src.elements || []).map((i) => el('span', {class: 'item'}, el('span', {}, `${i.title}${i.quantity ? ' × ' + i.quantity : ''}`), el('span', {}, money(i.price)))),
        [['Subtotal', s.subtotal], ['Shipping', s.shipping_cost], ['Tax', s.total_tax]]
          .concat((src.adjustments || []).map((j) => [j.name, '-' + j.amount]))
          .filter(([, v]) => v !== undefined).map(([k, v]) => el('span', {class: 'line'}, el('span', {}, k), el('span', {}, money(v)))),
        a ? el('span', {class: 'meta address'}, `Ship to ${a.street_1}${a.street_2 ? ', ' + a.street_2 : ''}, ${a.city} ${a.postal_code}, ${a.state}, ${a.country}`) : null,
        el('span', {class: 'receipt-total'}, el('span', {}, 'Total'), el('span', {}, money(s.total_cost)))));
    } else {
      out.push(el('span', {class: 'bubble'}, `${kind} template`));
    }
    const notes = [];
    if (requested.template_type === 'list' && (!payload || payload.template_type === 'generic')) {
      notes.push(el('p', {class: 'note note-list'}, 'List template delivered as a generic carousel (Messenger removed the list template in 2019).'));
    }
    if (m.request && m.request.tag && graphOk && !graphOk.tag) {
      notes.push(el('p', {class: 'note note-tag'}, `Tag ${m.request.tag} dropped: sent as ${graphOk.messaging_type} (24-hour window applies).`));
    }
    const quick = (delivered || requested).quick_replies || [];
    const chips = quick.length ? el('div', {class: 'chips', role: 'group', 'aria-label': 'Quick replies'},
      quick.map((q) => el('button', {type: 'button', class: 'chip', onclick: () => tapQuickReply(m, q)},
        q.title || q.content_type))) : null;
    const state = m.status;
    return el('li', {class: 'msg page', 'data-message-id': m.id},
      el('button', {type: 'button', class: 'select', 'aria-pressed': String(m.id === selectedId),
        'aria-label': `Message ${m.id}, ${state}: show its timeline`, onclick: () => select(m.id)}, out),
      notes, chips,
      el('span', {class: 'meta'}, `${time((m.events[0] || {}).at)} · `, el('span', {class: 'state ' + state}, state)));
  }
  function renderUser(item) {
    const ev = item.user;
    const text = ev.message ? (ev.message.quick_reply ? `${ev.message.text} (quick reply ${ev.message.quick_reply.payload})` : ev.message.text)
      : ev.referral ? `Opened the link with ref ${ev.referral.ref.replace(/;sig=.*/, ';sig=…')}` : 'postback';
    return el('li', {class: 'msg user'}, el('span', {class: 'bubble'}, text),
      el('span', {class: 'meta'}, `${time(item.at)} · webhook ${item.status}`));
  }

  function renderAll() {
    if (!dirty) return;
    dirty = false;
    const list = $('conversation-list');
    const focusedKey = document.activeElement && document.activeElement.dataset.key;
    list.replaceChildren(...[...conversations.values()].map((c) => {
      const key = c.pageId + '/' + c.psid;
      return el('li', {}, el('button', {type: 'button', 'data-key': key, 'aria-current': String(key === selectedKey),
        onclick: () => { selectedKey = key; shown = PAGE; dirty = true; renderAll(); }},
      `PSID ${c.psid}`, el('small', {}, `page ${c.pageId} · ${c.items.length} · ${c.last || ''}`)));
    }));
    if (focusedKey) { const b = list.querySelector(`[data-key="${focusedKey}"]`); if (b) b.focus(); }
    $('no-conversations').hidden = conversations.size > 0;
    if (!selectedKey && conversations.size) selectedKey = conversations.keys().next().value;
    const c = conversations.get(selectedKey);
    const thread = $('thread');
    const focusedId = document.activeElement && thread.contains(document.activeElement)
      ? document.activeElement.closest('.msg') && document.activeElement.closest('.msg').dataset.messageId : null;
    const atBottom = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 40;
    if (c) {
      $('thread-title').textContent = `Page ${c.pageId} · PSID ${c.psid}`;
      const items = c.items.slice(-shown);
      $('earlier').hidden = c.items.length <= shown;
      thread.replaceChildren(...items.map((i) => i.message ? render(messages.get(i.message)) : renderUser(i)));
      if (focusedId) { const b = thread.querySelector(`[data-message-id="${focusedId}"] .select`); if (b) b.focus(); }
      if (atBottom) thread.scrollTop = thread.scrollHeight;
    }
    renderTimeline();
  }
  function renderTimeline() {
    const m = selectedId && messages.get(selectedId);
    $('timeline-hint').hidden = !!m;
    $('timeline').replaceChildren(...(m ? [...m.events].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
      .map((ev) => el('li', {class: 'event ' + (ev.cls || '')}, el('time', {}, time(ev.at)), ev.text)) : []));
  }
  function select(id) { selectedId = id; dirty = true; renderAll(); }

  // ---- actions: documented local-mode endpoints ----
  async function post(path, body) {
    const result = $('action-result');
    try {
      const r = await fetch(path, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)});
      const text = await r.text();
      result.textContent = `${path} -> ${r.status}`;
      result.className = 'result ' + (r.ok ? 'ok' : 'bad');
      return text;
    } catch (e) {
      result.textContent = `${path} failed: ${e}`;
    }
  }
  function current() {
    const c = conversations.get(selectedKey);
    if (!c) $('action-result').textContent = 'Select a conversation first.';
    return c;
  }
  function latest(c) {
    const sent = c.items.filter((i) => i.message).map((i) => messages.get(i.message)).filter((m) => m.mid);
    return sent[sent.length - 1];
  }
  const ERRORS = {
    2: [500, 'An unexpected error has occurred. Please retry your request later.', true],
    1200: [500, 'Temporary send message failure. Please try again later.', true],
    100: [400, '(#100) Invalid parameter', false],
    551: [400, '(#551) This person isn\'t available right now.', false],
    10: [400, '(#10) This message is sent outside of allowed window.', false],
    190: [400, 'Invalid OAuth access token - Cannot parse access token', false],
    613: [400, '(#613) Calls to this api have exceeded the rate limit.', true],
  };
  $('fail-next').onclick = () => {
    const c = conversations.get(selectedKey);
    const code = Number($('fault-code').value);
    const [status, text, transient] = ERRORS[code];
    post('/__console/sandbox/faults', Object.assign(c ? {psid: c.psid} : {},
      {status, error: {message: text, type: 'OAuthException', code, is_transient: transient}}));
  };
  $('throttle').onclick = () => post('/__console/sandbox/rate', {page_id: (current() || {pageId})
    .pageId || pageId, per_second: Number($('rate').value)});
  function receipt(kind) {
    const c = current(); if (!c) return;
    const m = latest(c);
    post('/__console/user', {kind, psid: c.psid, mids: m ? [m.mid] : [], watermark: m && m.stamp ? m.stamp : Date.now()});
  }
  $('delivery').onclick = () => receipt('delivery');
  $('read').onclick = () => receipt('read');
  $('referral').onclick = () => {
    const c = current(); if (!c) return;
    post('/__console/user', {kind: 'referral', psid: c.psid, uuid: $('ref-uuid').value, signed: $('ref-signed').checked});
  };
  function tapQuickReply(m, q) {
    const c = conversations.get(m.key); if (!c) return;
    post('/__console/user', {kind: 'quick_reply', psid: c.psid, text: q.title || q.payload || '', payload: q.payload || ''});
  }
  $('say').onsubmit = (e) => {
    e.preventDefault();
    const c = current(); if (!c || !$('say-text').value) return;
    post('/__console/user', {kind: 'text', psid: c.psid, text: $('say-text').value});
    $('say-text').value = '';
  };
  $('earlier').onclick = () => { shown += PAGE; dirty = true; renderAll(); };

  // ---- the feed: cursor polling once a second ----
  async function poll() {
    try {
      let more = true;
      while (more) {
        const r = await fetch('/__console/feed?since=' + cursor, {cache: 'no-store'});
        const feed = await r.json();
        pageId = feed.page_id;
        feed.entries.forEach(take);
        feed.callbacks.forEach(takeCallback);
        cursor = feed.cursor;
        more = feed.more;
      }
      $('live').textContent = `live · ${messages.size} messages · page ${pageId}`;
      renderAll();
    } catch (e) {
      $('live').textContent = 'local mode is not answering; retrying...';
    }
    setTimeout(poll, 1000);
  }
  poll();
})();
