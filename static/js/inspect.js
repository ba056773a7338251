/*
 * The tablet inspection form. Works offline: every change is kept in the browser (localStorage for the
 * answers, IndexedDB for the photos) and synced to the server when the network is there. A submission
 * carries the form's idempotency key, so a retried or doubled submit creates exactly one inspection.
 *
 * The page carries what the first screen needs; a checklist's items come from its own address (it names the
 * version, so it never changes), kept in the cache storage the service worker reads: fetched when a form opens,
 * and, once the first screen is ready, all of the user's checklists in the background, so a tablet that was
 * online once opens any of them in a basement. #inspect-app[data-ready] holds the milliseconds from the start
 * of the navigation to a usable form (the choosers filled); [data-prefetched] marks the background fetch done.
 */
(function () {
  "use strict";

  const _ = window.gettext || ((s) => s);
  const interpolate = window.interpolate || ((fmt, obj) => fmt.replace(/%\((\w+)\)s/g, (m, k) => obj[k]));
  const app = document.getElementById("inspect-app");
  if (!app) return;
  const DATA = JSON.parse(document.getElementById("inspect-data").textContent);
  const STORE_KEY = "inspect.drafts.v1:" + DATA.user.id;
  const MAX_PHOTO_SIDE = 1600;

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, children) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach((c) => node.appendChild(typeof c === "string" ? document.createTextNode(c) : c));
    return node;
  };

  // --- storage -------------------------------------------------------------------------------------------
  function loadDrafts() {
    try { return JSON.parse(localStorage.getItem(STORE_KEY) || "{}"); } catch (e) { return {}; }
  }
  function saveDrafts(drafts) { localStorage.setItem(STORE_KEY, JSON.stringify(drafts)); }
  let drafts = loadDrafts();
  let current = null; // the draft on screen

  function persist() {
    if (current) { current.updated = Date.now(); drafts[current.key] = current; }
    saveDrafts(drafts);
  }

  const photoDb = new Promise((resolve, reject) => {
    if (!window.indexedDB) { resolve(null); return; }
    const request = indexedDB.open("inspect-photos", 1);
    request.onupgradeneeded = () => request.result.createObjectStore("photos");
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  async function photoPut(id, blob) {
    const db = await photoDb; if (!db) return;
    await new Promise((res, rej) => { const tx = db.transaction("photos", "readwrite"); tx.objectStore("photos").put(blob, id); tx.oncomplete = res; tx.onerror = () => rej(tx.error); });
  }
  async function photoGet(id) {
    const db = await photoDb; if (!db) return null;
    return new Promise((res, rej) => { const r = db.transaction("photos").objectStore("photos").get(id); r.onsuccess = () => res(r.result || null); r.onerror = () => rej(r.error); });
  }
  async function photoDelete(id) {
    const db = await photoDb; if (!db) return;
    await new Promise((res) => { const tx = db.transaction("photos", "readwrite"); tx.objectStore("photos").delete(id); tx.oncomplete = res; tx.onerror = res; });
  }

  // --- helpers -------------------------------------------------------------------------------------------
  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16)); b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  function csrfToken() {
    const m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  const contractById = (id) => DATA.contracts.find((c) => String(c.id) === String(id));
  const templateById = (id) => DATA.templates.find((t) => String(t.id) === String(id));

  // --- checklists: their items, from the cache storage or the network --------------------------------------
  const CHECKLIST_CACHE = "inspect-checklists"; // the service worker keeps them there too
  const hasCaches = () => "caches" in window;
  async function cachedChecklist(url) {
    if (!hasCaches()) return null;
    try { return (await caches.match(url, { ignoreVary: true })) || null; } catch (e) { return null; }
  }
  async function fetchChecklist(url) {
    const response = await fetch(url, { credentials: "same-origin" });
    // kept here as well as by the service worker, which does not control the page on the first visit
    if (response.ok && !response.redirected && hasCaches()) {
      try { await (await caches.open(CHECKLIST_CACHE)).put(url, response.clone()); } catch (e) { /* storage full: fetched again later */ }
    }
    return response;
  }
  function checklistError(reason) { const error = new Error(reason); error.reason = reason; return error; }
  async function loadChecklist(tpl) {
    if (tpl.items) return tpl.items;
    let response = await cachedChecklist(tpl.url);
    if (!response) {
      try { response = await fetchChecklist(tpl.url); } catch (e) { throw checklistError("offline"); }
    }
    if (response.redirected || response.status === 401) throw checklistError("session");  // sent to the login page
    if (response.status === 403 || response.status === 404) throw checklistError("gone");
    if (!response.ok) throw checklistError("failed");
    try { tpl.items = (await response.json()).items; } catch (e) { throw checklistError("failed"); }
    return tpl.items;
  }
  const CHECKLIST_PROBLEMS = {
    offline: () => _("This checklist is not on this tablet yet and there is no network. Connect once and open it again: the tablet then keeps the checklists of your contracts for use without network."),
    gone: () => _("This checklist or contract is no longer available to you."),
    session: () => _("Your session has ended. Log in again; your answers are kept."),
    failed: () => _("The checklist could not be loaded. Try again."),
  };
  // --- a contract's roster of the day (post checks): the network first, the last one kept when there is none ---
  const ROSTER_CACHE = "inspect-rosters"; // the service worker keeps them there too
  const rosters = {}; // contract id -> the roster, once loaded
  async function loadRoster(contract) {
    if (rosters[contract.id]) return rosters[contract.id];
    let response = null;
    try {
      response = await fetch(contract.roster, { credentials: "same-origin" });
      if (response.ok && !response.redirected && hasCaches()) {
        try { await (await caches.open(ROSTER_CACHE)).put(contract.roster, response.clone()); } catch (e) { /* full */ }
      }
    } catch (e) { response = null; }
    if (!response || !response.ok || response.redirected) {
      if (!hasCaches()) return null;
      try { response = await caches.match(contract.roster, { ignoreVary: true }); } catch (e) { response = null; }
    }
    if (!response || !response.ok) return null;
    try { rosters[contract.id] = await response.json(); } catch (e) { return null; }
    return rosters[contract.id];
  }
  function prefetchRosters() {
    const ids = new Set((DATA.rounds || []).map((r) => String(r.contract)));
    DATA.contracts.filter((c) => ids.has(String(c.id))).forEach((c) => loadRoster(c).catch(() => {}));
  }

  function showChecklistStatus(text, kind) {
    const box = $("checklist-status");
    box.textContent = text || ""; box.hidden = !text;
    box.className = "message" + (kind ? " message-" + kind : "");
    if (text && kind) box.scrollIntoView({ block: "nearest" });
  }
  // The checklist's items before its form opens: true once they are here; false with the reason shown.
  let asking = 0;
  async function ensureChecklist(tpl) {
    const ticket = ++asking;
    if (!tpl.items) showChecklistStatus(_("Loading the checklist…"));
    try { await loadChecklist(tpl); }
    catch (e) {
      if (ticket === asking) showChecklistStatus((CHECKLIST_PROBLEMS[e.reason] || CHECKLIST_PROBLEMS.failed)(), "warning");
      return false;
    }
    if (ticket !== asking) return false; // another form was asked for meanwhile
    showChecklistStatus("");
    return true;
  }
  async function openDraft(draft) {
    const tpl = templateById(draft.template);
    if (!tpl || !contractById(draft.contract)) { alert(_("This checklist or contract is no longer available to you.")); return; }
    if (!(await ensureChecklist(tpl))) return;
    current = draft; showForm();
    if (draft.errors) showErrors(draft.errors);
  }
  // After the first screen: every checklist of the user's contracts, three at a time, so that none is missing
  // offline later. What is kept already is not fetched again.
  let prefetching = null;
  function prefetchChecklists() {
    if (prefetching) return prefetching;
    if (!hasCaches()) { app.dataset.prefetched = "1"; return null; }
    const todo = DATA.templates.filter((t) => !t.items);
    const worker = async () => {
      for (let tpl = todo.shift(); tpl; tpl = todo.shift()) {
        if (await cachedChecklist(tpl.url)) continue;
        try { const response = await fetchChecklist(tpl.url); await response.arrayBuffer(); }
        catch (e) { return; } // offline again: the next "online" event starts over
      }
    };
    prefetching = Promise.all([worker(), worker(), worker()]).finally(() => { prefetching = null; app.dataset.prefetched = "1"; });
    return prefetching;
  }
  const kindLabel = (k) => (DATA.kinds.find((x) => x.value === k) || { label: k }).label;

  // Decimal-free money of points: work in hundredths to round half-up exactly like the server.
  function toCents(value) { const n = Number(value); return Number.isFinite(n) ? Math.round(n * 100) : NaN; }
  function runningScore(draft) {
    const tpl = templateById(draft.template); if (!tpl || !tpl.items) return null;
    let got = 0, possible = 0, answered = 0;
    tpl.items.forEach((item) => {
      const a = draft.results[item.code]; if (!a || !a.result) return;
      answered += 1;
      if (item.answer === "signature") return;  // no points: evidence, not a score
      if (a.result === "na") return;
      const max = toCents(item.max_points);
      possible += max;
      if (a.result === "pass") got += max;
      else if (a.result === "partial") { const p = toCents(a.points); if (!Number.isNaN(p)) got += Math.min(Math.max(p, 0), max); }
    });
    if (!possible) return { score: null, answered, total: tpl.items.length };
    // 100 x got / possible, rounded half-up to 2 decimals, in integer arithmetic
    const scaled = Math.floor((got * 10000 * 2 + possible) / (possible * 2));
    return { score: (scaled / 100).toFixed(2), answered, total: tpl.items.length };
  }

  // --- network status and the queue ---------------------------------------------------------------------
  function setNet(text, kind) {
    const box = $("net-status");
    box.textContent = text; box.className = "net-status " + (kind || "");
  }
  function refreshNet() {
    const queued = Object.values(drafts).filter((d) => d.state === "queued").length;
    if (!navigator.onLine) setNet(queued ? interpolate(_("Offline: %(count)s inspection(s) queued; they will be sent when the network is back."), { count: queued }, true) : _("Offline: your answers are kept on this device."), "is-offline");
    else if (queued) setNet(interpolate(_("Sending %(count)s queued inspection(s)…"), { count: queued }, true), "is-busy");
    else setNet("", "");
  }

  async function post(url, body, isForm) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: isForm ? { "X-CSRFToken": csrfToken() } : { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: isForm ? body : JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, data };
  }

  function payload(draft) {
    return {
      key: draft.key, kind: draft.kind, contract: draft.contract, template: draft.template, site: draft.site || null,
      key_points: draft.key_points || [], started_at: draft.started_at, summary: draft.summary || "",
      vendor_representative: draft.vendor_representative || "", departments: draft.departments || [],
      results: draft.results, rectification_checks: draft.rectification_checks || {}, round: draft.round || null,
    };
  }

  let syncTimer = null;
  function scheduleSync() {
    clearTimeout(syncTimer);
    syncTimer = setTimeout(() => { if (current && navigator.onLine && current.state === "draft") syncDraft(current).catch(() => {}); }, 1500);
  }
  async function syncDraft(draft) {
    const r = await post(DATA.urls.sync, payload(draft));
    if (r.status === 200) { draft.synced = true; return true; }
    if (r.status === 400 && r.data) { draft.errors = r.data; persist(); if (draft === current) showErrors(r.data); }
    return false;
  }
  async function uploadPhotos(draft) {
    for (const photo of draft.photos || []) {
      if (photo.uploaded) continue;
      const blob = await photoGet(photo.id);
      if (!blob) { photo.uploaded = true; continue; }
      const form = new FormData();
      form.append("key", draft.key); form.append("item_code", photo.item); form.append("client_id", photo.id);
      form.append("image", blob, photo.id + ".jpg");
      const r = await post(DATA.urls.photos, form, true);
      // the blob stays on the device until the inspection is submitted: the thumbnail survives a reload
      if (r.status === 201) { photo.uploaded = true; persist(); }
      else if (r.status === 400) { photo.error = r.data; photo.uploaded = true; persist(); draft.errors = r.data; }
      else throw new Error("photo upload failed: " + r.status);
    }
  }

  async function uploadSignatures(draft) {
    for (const [code, sig] of Object.entries(draft.signatures || {})) {
      if (sig.uploaded) continue;
      const blob = await photoGet(sig.id);
      if (!blob) continue;  // signed on another device? the server will say it is missing
      const form = new FormData();
      form.append("key", draft.key); form.append("item_code", code); form.append("client_id", sig.id);
      form.append("signer_name", sig.name || ""); form.append("image", blob, sig.id + ".png");
      const r = await post(DATA.urls.signatures, form, true);
      if (r.status === 201) { sig.uploaded = true; persist(); }
      else if (r.status === 400) { draft.errors = r.data; persist(); return false; }
      else throw new Error("signature upload failed: " + r.status);
    }
    return true;
  }

  let flushing = false;
  async function flush() {
    if (flushing || !navigator.onLine) { refreshNet(); return; }
    flushing = true; refreshNet();
    try {
      for (const draft of Object.values(drafts).filter((d) => d.state === "queued")) {
        try {
          if (!(await syncDraft(draft))) { draft.state = "error"; persist(); continue; }
          await uploadPhotos(draft);
          if (!(await uploadSignatures(draft))) {
            draft.state = "error"; persist();
            if (current && current.key === draft.key) { current = draft; showForm(); showErrors(draft.errors); }
            continue;
          }
          const r = await post(DATA.urls.submit, payload(draft));
          if (r.status === 200 || r.status === 201) {
            draft.state = "submitted";
            for (const photo of draft.photos || []) await photoDelete(photo.id);  // on the server now
            for (const sig of Object.values(draft.signatures || {})) await photoDelete(sig.id);
            draft.result = { id: r.data.id, reference: r.data.reference, score: r.data.score, round: r.data.round || null, rectifications: r.data.rectifications || [] };
            const planned = r.data.round && (DATA.rounds || []).find((x) => x.id === draft.round);
            if (planned) { planned.status = r.data.round.status; planned.status_label = r.data.round.status_label; planned.inspection = r.data.reference; }
            persist();
            if (draft === current || (current && current.key === draft.key)) showDone(draft);
          } else if (r.status === 400) {
            draft.state = "error"; draft.errors = r.data; persist();
            if (current && current.key === draft.key) { current = draft; showForm(); showErrors(r.data); }
          } else if (r.status === 403 || r.status === 401) {
            draft.state = "error"; draft.errors = { non_field_errors: [_("Your session has ended. Log in again; your answers are kept.")] }; persist();
          }
        } catch (e) { /* network error: stays queued, retried later */ break; }
      }
      cleanup();
    } finally { flushing = false; refreshNet(); renderLocalDrafts(); if (!$("screen-start").hidden) renderRounds(); }
  }
  function cleanup() {
    const week = 7 * 24 * 3600 * 1000;
    Object.values(drafts).forEach((d) => { if (d.state === "submitted" && Date.now() - (d.updated || 0) > week) delete drafts[d.key]; });
    saveDrafts(drafts);
  }
  window.addEventListener("online", flush);
  window.addEventListener("offline", refreshNet);
  setInterval(flush, 30000);

  // --- start screen --------------------------------------------------------------------------------------
  function fillSelect(select, options, value) {
    select.innerHTML = "";
    options.forEach((o) => select.appendChild(el("option", { value: o.value, text: o.label, selected: String(o.value) === String(value) })));
  }
  function refreshStart() {
    const kind = $("f-kind").value;
    const contract = contractById($("f-contract").value);
    const templateKind = kind === "self" ? ["self", "daily"] : [kind];
    const templates = contract ? DATA.templates.filter((t) => t.category === contract.category && templateKind.includes(t.kind)) : [];
    fillSelect($("f-template"), templates.map((t) => ({ value: t.id, label: `${t.name} (v${t.version})` })));
    const sites = contract ? contract.sites : [];
    fillSelect($("f-site"), [{ value: "", label: "—" }, ...sites.map((s) => ({ value: s.id, label: s.name }))]);
    refreshKeyPoints();
    $("btn-start").disabled = !contract || !templates.length;
  }
  function refreshKeyPoints() {
    const contract = contractById($("f-contract").value);
    const site = contract && contract.sites.find((s) => String(s.id) === $("f-site").value);
    const box = $("f-keypoints"); box.innerHTML = "";
    $("f-keypoints-box").hidden = !(site && site.key_points.length);
    (site ? site.key_points : []).forEach((kp) => {
      const id = "kp-" + kp.id;
      box.appendChild(el("label", { class: "choice", for: id }, [el("input", { type: "checkbox", id, value: kp.id, name: "key_points" }), kp.name]));
    });
  }
  function setupStart() {
    fillSelect($("f-kind"), DATA.kinds.map((k) => ({ value: k.value, label: k.label })));
    fillSelect($("f-contract"), DATA.contracts.map((c) => ({ value: c.id, label: `${c.number} · ${c.vendor} · ${c.category_name}` })));
    $("start-empty").hidden = DATA.contracts.length > 0;
    $("f-kind").addEventListener("change", refreshStart);
    $("f-contract").addEventListener("change", refreshStart);
    $("f-site").addEventListener("change", refreshKeyPoints);
    $("btn-start").addEventListener("click", () => {
      const keyPoints = Array.from(document.querySelectorAll("#f-keypoints input:checked")).map((i) => Number(i.value));
      startDraft({
        kind: $("f-kind").value, contract: Number($("f-contract").value), template: Number($("f-template").value),
        site: $("f-site").value ? Number($("f-site").value) : null, key_points: keyPoints, round: null,
      });
    });
    refreshStart();
    renderLocalDrafts();
    showScreen("start");
  }
  async function startDraft(fields) {
    const tpl = templateById(fields.template);
    if (!tpl || !(await ensureChecklist(tpl))) return; // no draft without its checklist
    current = Object.assign({
      key: uuid(), state: "draft", started_at: new Date().toISOString(), results: {}, photos: [], signatures: {}, summary: "",
      vendor_representative: "", departments: [], rectification_checks: {}, errors: null,
    }, fields);
    persist(); showForm(); scheduleSync();
  }

  // --- today's rounds: one tap from the form, with the contract, checklist, site and key points filled in ----
  function draftOfRound(round) {
    return Object.values(drafts).filter((d) => d.round === round.id).sort((a, b) => (b.updated || 0) - (a.updated || 0))[0];
  }
  function roundItem(round) {
    const contract = contractById(round.contract);
    const draft = draftOfRound(round);
    let state = round.status_label, action = null;
    if (draft && draft.state === "submitted") state = interpolate(_("Done: %(reference)s"), { reference: draft.result.reference }, true);
    else if (draft && draft.state === "queued") state = _("Done, waiting for the network");
    else if (round.inspection) state = `${round.status_label}: ${round.inspection}`;
    else if (draft) action = el("button", { type: "button", class: "btn btn-primary", text: _("Continue"), onclick: () => openDraft(draft) });
    else if (round.status === "due" || round.status === "missed") {
      action = el("button", { type: "button", class: "btn btn-primary", disabled: !round.template || !contract, text: _("Start"),
        onclick: () => startDraft({ kind: round.kind, contract: round.contract, template: round.template, site: round.site, key_points: round.key_points, round: round.id }) });
    }
    const where = [contract ? contract.number : "", round.site_name].filter(Boolean).join(" · ");
    const when = round.today ? round.window : `${new Date(round.due_on + "T00:00").toLocaleDateString(document.documentElement.lang || undefined, { weekday: "short", month: "numeric", day: "numeric" })} ${round.window}`;
    const done = (draft && (draft.state === "submitted" || draft.state === "queued")) || round.inspection;
    return el("li", { class: "round round-" + (done ? "done" : round.status), "data-round": round.id }, [
      el("div", { class: "round-text" }, [
        el("strong", { text: kindLabel(round.kind) }), " ", el("span", { class: "muted nowrap", text: when }),
        el("br"), el("span", { text: where }), " ", el("span", { class: "round-state", text: state }),
      ]),
      ...(action ? [action] : []),
    ]);
  }
  function renderRounds() {
    const rounds = DATA.rounds || [];
    const today = rounds.filter((r) => r.today); const later = rounds.filter((r) => !r.today);
    const todayList = $("rounds-today"); todayList.innerHTML = "";
    today.forEach((r) => todayList.appendChild(roundItem(r)));
    $("rounds-today-empty").hidden = today.length > 0;
    const weekList = $("rounds-week"); weekList.innerHTML = "";
    later.forEach((r) => weekList.appendChild(roundItem(r)));
    $("rounds-week-box").hidden = later.length === 0;
  }
  function renderLocalDrafts() {
    const box = $("local-drafts"); box.innerHTML = "";
    const list = Object.values(drafts).filter((d) => d.state !== "submitted").sort((a, b) => (b.updated || 0) - (a.updated || 0));
    if (!list.length) return;
    box.appendChild(el("h2", { text: _("On this device") }));
    const ul = el("ul", { class: "draft-list" });
    list.forEach((d) => {
      const c = contractById(d.contract); const t = templateById(d.template);
      const state = { draft: _("draft"), queued: _("queued, waiting for the network"), error: _("needs attention") }[d.state] || d.state;
      ul.appendChild(el("li", {}, [
        el("button", { type: "button", class: "btn", onclick: () => openDraft(d) },
          [`${kindLabel(d.kind)} · ${c ? c.number : "?"} · ${t ? t.name : "?"} · ${new Date(d.started_at).toLocaleString(document.documentElement.lang || undefined)} — ${state}`]),
      ]));
    });
    box.appendChild(ul);
  }

  // --- the form ------------------------------------------------------------------------------------------
  const RESULTS = [["pass", () => _("Pass")], ["partial", () => _("Partial")], ["fail", () => _("Fail")], ["na", () => _("N/A")]];

  function showScreen(name) {
    ["start", "form", "done"].forEach((s) => { $("screen-" + s).hidden = s !== name; });
    $("screen-rounds").hidden = name !== "start" || !(DATA.rounds || []).length;
    $("local-drafts").hidden = name !== "start";
    if (name === "start") renderRounds();
    window.scrollTo(0, 0);
  }

  function showForm() {
    const draft = current; const tpl = templateById(draft.template); const contract = contractById(draft.contract);
    if (!tpl || !contract) { alert(_("This checklist or contract is no longer available to you.")); showScreen("start"); return; }
    if (!tpl.items) { current = null; showScreen("start"); openDraft(draft); return; } // its items first
    if (tpl.items.some((i) => i.answer === "post") && rosters[contract.id] === undefined) {
      rosters[contract.id] = null; // asked once per page: a tablet without network and without a kept roster says so
      loadRoster(contract).finally(() => { if (current === draft) showForm(); });
    }
    showChecklistStatus("");
    showScreen("form");
    $("form-title").textContent = `${kindLabel(draft.kind)} · ${tpl.name}`;
    const site = contract.sites.find((s) => s.id === draft.site);
    $("form-subtitle").textContent = `${contract.number} · ${contract.vendor}${site ? " · " + site.name : ""}`;
    const box = $("items"); box.innerHTML = "";
    let group = null; let section = null;
    tpl.items.forEach((item) => {
      if (item.group !== group || !section) {
        group = item.group;
        section = el("section", { class: "card item-group" }, [el("h2", { text: group || _("Items") })]);
        box.appendChild(section);
      }
      section.appendChild(renderItem(item));
    });
    $("joint-box").hidden = draft.kind !== "monthly_joint";
    if (draft.kind === "monthly_joint") renderJoint(contract);
    $("f-summary").value = draft.summary || "";
    $("f-summary").oninput = (e) => { draft.summary = e.target.value; persist(); scheduleSync(); };
    $("form-errors").hidden = true;
    updateScore();
    const submit = $("btn-submit");
    submit.disabled = draft.state === "queued";
    submit.textContent = draft.state === "queued" ? _("Queued…") : _("Submit inspection");
  }

  function renderItem(item) {
    const draft = current;
    const answer = draft.results[item.code] || (draft.results[item.code] = { result: "", points: "", note: "" });
    const id = "item-" + item.code.replace(/[^\w-]/g, "_");
    if (item.answer === "reading") return renderReading(item, answer, id);
    if (item.answer === "signature") return renderSignature(item, answer, id);
    if (item.answer === "post") return renderPost(item, answer, id);
    const buttons = el("div", { class: "result-buttons", role: "group", "aria-label": item.text });
    const points = el("input", { type: "number", inputmode: "decimal", step: "0.01", min: "0", max: item.max_points, id: id + "-points", class: "points-input", value: answer.points || "", "aria-label": interpolate(_("Points (0 to %(max)s)"), { max: item.max_points }, true) });
    const pointsBox = el("div", { class: "points-box", hidden: answer.result !== "partial" }, [el("label", { for: id + "-points", text: interpolate(_("Points (0 to %(max)s)"), { max: item.max_points }, true) }), points]);
    RESULTS.forEach(([value, label]) => {
      const button = el("button", { type: "button", class: "btn result-btn result-" + value, "aria-pressed": answer.result === value ? "true" : "false", text: label() });
      button.addEventListener("click", () => {
        answer.result = value;
        buttons.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", b === button ? "true" : "false"));
        pointsBox.hidden = value !== "partial";
        if (value === "partial") points.focus();
        clearItemError(item.code); persist(); updateScore(); scheduleSync();
      });
      buttons.appendChild(button);
    });
    points.addEventListener("input", () => { answer.points = points.value; persist(); updateScore(); scheduleSync(); });
    return itemCard(item, answer, id, [buttons, pointsBox]);
  }

  // the card around an item's answer: its head and standard, the note and the photos, the error line
  function itemCard(item, answer, id, body, withPhotos) {
    const draft = current;
    const note = el("textarea", { id: id + "-note", rows: "2", maxlength: "1000", class: "note-input" });
    note.value = answer.note || "";
    note.addEventListener("input", () => { answer.note = note.value; persist(); scheduleSync(); });
    const camera = el("input", { type: "file", accept: "image/*", capture: "environment", id: id + "-photo", class: "visually-hidden" });
    const thumbs = el("div", { class: "thumbs" });
    camera.addEventListener("change", async () => {
      for (const file of Array.from(camera.files || [])) {
        try {
          const blob = await resize(file);
          const photoId = uuid();
          await photoPut(photoId, blob);
          draft.photos.push({ id: photoId, item: item.code, uploaded: false });
          persist(); addThumb(thumbs, blob); clearItemError(item.code);
          if (navigator.onLine && draft.state === "draft") { syncDraft(draft).then((ok) => ok && uploadPhotos(draft)).catch(() => {}); }
        } catch (e) { showItemError(item.code, [_("This file is not a photo the tablet can read.")]); }
      }
      camera.value = "";
    });
    (draft.photos || []).filter((p) => p.item === item.code).forEach((p) => photoGet(p.id).then((b) => b && addThumb(thumbs, b)));
    const flags = [];
    if (item.key_point) flags.push(el("span", { class: "badge badge-info", text: _("key point") }));
    if (item.severity === "serious") flags.push(el("span", { class: "badge badge-bad", text: _("serious") }));
    if (item.photo_required) flags.push(el("span", { class: "badge", text: _("photo if failed") }));
    const extra = [el("label", { for: id + "-note", text: _("Note") }), note];
    if (withPhotos !== false) extra.push(el("label", { for: id + "-photo", class: "btn camera-btn", text: _("Photo") }), camera, thumbs);
    return el("article", { class: "check-item", id: id }, [
      el("div", { class: "check-head" }, [el("span", { class: "item-code", text: item.code }), el("strong", { text: item.text }), ...flags]),
      item.standard ? el("p", { class: "help", text: item.standard }) : el("span"),
      ...body,
      el("div", { class: "item-extra" }, extra),
      el("p", { class: "field-error", id: "err-" + item.code, role: "alert" }),
    ]);
  }

  // --- a reading: a number in an allowed range; outside it the item fails (the server decides the same) ----
  function parseReading(text) {
    const t = String(text || "").trim().replace(/[,，]/g, ".");
    if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(t)) return null;
    const decimals = (t.split(".")[1] || "").length;
    return decimals > 3 ? null : Number(t);
  }
  function readingResult(item, text) {
    const v = parseReading(text); if (v === null) return "";
    if ((item.min !== null && item.min !== undefined && v < Number(item.min)) || (item.max !== null && item.max !== undefined && v > Number(item.max))) return "fail";
    return "pass";
  }
  function renderReading(item, answer, id) {
    const input = el("input", { type: "text", inputmode: "decimal", autocomplete: "off", id: id + "-reading", class: "reading-input", value: answer.reading || "" });
    const state = el("span", { class: "reading-state", "aria-live": "polite" });
    const na = el("button", { type: "button", class: "btn result-btn result-na", "aria-pressed": answer.result === "na" ? "true" : "false", text: _("N/A") });
    const show = () => {
      const r = answer.result;
      state.textContent = r === "pass" ? _("Within the range") : r === "fail" ? _("Out of range: the item fails") : r === "na" ? _("N/A") : "";
      state.className = "reading-state badge " + (r === "pass" ? "badge-ok" : r === "fail" ? "badge-bad" : "");
      state.hidden = !r;
      na.setAttribute("aria-pressed", r === "na" ? "true" : "false");
    };
    input.addEventListener("input", () => {
      answer.reading = input.value; answer.result = readingResult(item, input.value);
      show(); clearItemError(item.code); persist(); updateScore(); scheduleSync();
    });
    na.addEventListener("click", () => {
      if (answer.result === "na") { answer.result = readingResult(item, answer.reading); } else { answer.result = "na"; }
      show(); clearItemError(item.code); persist(); updateScore(); scheduleSync();
    });
    show();
    const label = el("label", { for: id + "-reading", text: interpolate(_("Reading (allowed %(range)s)"), { range: item.range }, true) });
    const row = el("div", { class: "reading-row" }, [input, item.unit ? el("span", { class: "reading-unit", text: item.unit }) : el("span"), na, state]);
    return itemCard(item, answer, id, [el("div", { class: "reading-box" }, [label, row])]);
  }

  // --- a post check: who of the roster is at work; fewer than needed, or anyone uncertified, fails the item ----
  function postResult(post, present) {
    const people = post.people.filter((p) => present.includes(p.id));
    return people.length < post.on_duty || people.some((p) => p.lacking.length) ? "fail" : "pass";
  }
  function renderPost(item, answer, id) {
    const contract = contractById(current.contract);
    const roster = contract ? rosters[contract.id] : null;
    const body = [];
    const state = el("p", { class: "reading-state", "aria-live": "polite" });
    const na = el("button", { type: "button", class: "btn result-btn result-na", "aria-pressed": answer.result === "na" ? "true" : "false", text: _("N/A") });
    const posts = roster ? roster.posts.filter((p) => String(p.role) === String(item.role)) : [];
    const chosen = () => posts.find((p) => String(p.id) === String(answer.post)) || (posts.length === 1 ? posts[0] : null);
    const show = () => {
      const post = chosen(); const r = answer.result;
      na.setAttribute("aria-pressed", r === "na" ? "true" : "false");
      if (r === "na") { state.textContent = _("N/A"); state.className = "reading-state badge"; return; }
      if (!post || !Array.isArray(answer.present)) { state.textContent = ""; state.className = "reading-state"; return; }
      const at = post.people.filter((p) => answer.present.includes(p.id));
      const missing = at.filter((p) => p.lacking.length);
      let text = interpolate(_("%(present)s at work, %(required)s required"), { present: at.length, required: post.on_duty }, true);
      if (missing.length) text += _("; ") + missing.map((p) => interpolate(_("%(name)s lacks a valid %(certificates)s"), { name: p.name, certificates: p.lacking.join(_(", ")) }, true)).join(_("; "));
      state.textContent = (r === "fail" ? _("Fails: ") : _("Passes: ")) + text;
      state.className = "reading-state badge " + (r === "fail" ? "badge-bad" : "badge-ok");
    };
    const changed = () => {
      const post = chosen();
      if (answer.result !== "na" && post && Array.isArray(answer.present)) answer.result = postResult(post, answer.present);
      show(); clearItemError(item.code); persist(); updateScore(); scheduleSync();
    };
    if (!roster) {
      body.push(el("p", { class: "message message-warning", text: _("The roster of this contract is not on this tablet and there is no network. Connect once to load it, or choose n.a.") }));
    } else if (!posts.length) {
      body.push(el("p", { class: "message message-warning", text: interpolate(_("This contract has no %(post)s post on its roster: choose n.a."), { post: item.role_name }, true) }));
    } else {
      if (posts.length > 1) {
        const select = el("select", { id: id + "-post" });
        select.appendChild(el("option", { value: "", text: _("Choose the post checked") }));
        posts.forEach((p) => select.appendChild(el("option", { value: p.id, text: p.name, selected: String(p.id) === String(answer.post) })));
        select.addEventListener("change", () => { answer.post = select.value ? Number(select.value) : null; answer.present = []; renderPeople(); changed(); });
        body.push(el("label", { for: id + "-post", text: _("Post") }), select);
      } else if (answer.post == null) answer.post = posts[0].id;
      const peopleBox = el("fieldset", { class: "post-people" });
      const renderPeople = () => {
        peopleBox.innerHTML = "";
        const post = chosen();
        if (!post) return;
        peopleBox.appendChild(el("legend", { text: interpolate(_("Who is at work? %(post)s, %(count)s needed on duty"), { post: post.name, count: post.on_duty }, true) }));
        if (!post.people.length) peopleBox.appendChild(el("p", { class: "muted", text: _("Nobody is on this post's roster today.") }));
        post.people.forEach((p) => {
          const boxId = `${id}-p${p.id}`;
          const box = el("input", { type: "checkbox", id: boxId, checked: Array.isArray(answer.present) && answer.present.includes(p.id) });
          box.addEventListener("change", () => {
            const present = new Set(Array.isArray(answer.present) ? answer.present : []);
            if (box.checked) present.add(p.id); else present.delete(p.id);
            answer.present = [...present]; if (answer.result === "na") answer.result = "";
            changed();
          });
          const flag = p.lacking.length ? el("span", { class: "badge badge-bad", text: interpolate(_("lacks %(certificates)s"), { certificates: p.lacking.join(_(", ")) }, true) }) : el("span", { class: "badge badge-ok", text: _("certified") });
          peopleBox.appendChild(el("label", { class: "choice", for: boxId }, [box, p.name, " ", flag]));
        });
        const nobody = el("button", { type: "button", class: "btn", text: _("Nobody at work") });
        nobody.addEventListener("click", () => { answer.present = []; if (answer.result === "na") answer.result = ""; renderPeople(); changed(); });
        peopleBox.appendChild(nobody);
      };
      renderPeople();
      body.push(peopleBox);
    }
    na.addEventListener("click", () => {
      if (answer.result === "na") { answer.result = ""; const post = chosen(); if (post && Array.isArray(answer.present)) answer.result = postResult(post, answer.present); }
      else answer.result = "na";
      show(); clearItemError(item.code); persist(); updateScore(); scheduleSync();
    });
    show();
    body.push(el("div", { class: "reading-row" }, [na, state]));
    return itemCard(item, answer, id, [el("div", { class: "post-box" }, body)]);
  }

  // --- a signature: drawn with a finger or a stylus, kept on the device until it is sent ---------------------
  function renderSignature(item, answer, id) {
    const draft = current;
    draft.signatures = draft.signatures || {};
    const vendor = item.signer === "vendor";
    const saved = draft.signatures[item.code];
    const name = el("input", { type: "text", id: id + "-signer", maxlength: "100", autocomplete: "off", "data-signer": item.signer,
      value: saved ? saved.name : (vendor ? (draft.vendor_representative || "") : DATA.user.name) });
    const canvas = el("canvas", { class: "signature-pad", id: id + "-pad", "aria-label": _("Signature box: sign with a finger or a stylus") });
    const preview = el("img", { class: "signature-preview", alt: _("Signature") });
    const drawBox = el("div", { class: "signature-draw" }, [canvas]);
    const done = el("div", { class: "signature-done" }, [preview]);
    let strokes = 0;
    const ctx = () => canvas.getContext("2d");
    const reset = () => {
      const ratio = window.devicePixelRatio || 1; const width = canvas.clientWidth || 320;
      canvas.width = Math.round(width * ratio); canvas.height = Math.round(160 * ratio);
      const c = ctx(); c.setTransform(ratio, 0, 0, ratio, 0, 0);
      c.fillStyle = "#fff"; c.fillRect(0, 0, width, 160);  // white, not transparent: the server checks it is not empty
      c.lineWidth = 2.5; c.lineCap = "round"; c.lineJoin = "round"; c.strokeStyle = "#111";
      strokes = 0;
    };
    let drawing = false;
    const point = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    canvas.addEventListener("pointerdown", (e) => { drawing = true; canvas.setPointerCapture(e.pointerId); const [x, y] = point(e); ctx().beginPath(); ctx().moveTo(x, y); ctx().lineTo(x + 0.1, y + 0.1); ctx().stroke(); strokes += 1; e.preventDefault(); });
    canvas.addEventListener("pointermove", (e) => { if (!drawing) return; const [x, y] = point(e); ctx().lineTo(x, y); ctx().stroke(); e.preventDefault(); });
    const stop = () => { drawing = false; };
    canvas.addEventListener("pointerup", stop); canvas.addEventListener("pointercancel", stop);
    const clear = el("button", { type: "button", class: "btn", text: _("Clear") });
    const accept = el("button", { type: "button", class: "btn btn-primary", text: _("Save the signature") });
    const again = el("button", { type: "button", class: "btn", text: _("Sign again") });
    const show = (signed) => {
      drawBox.hidden = signed; clear.hidden = signed; accept.hidden = signed; done.hidden = !signed; again.hidden = !signed;
      if (!signed) requestAnimationFrame(reset);
    };
    clear.addEventListener("click", reset);
    accept.addEventListener("click", () => {
      const who = name.value.trim();
      if (!strokes) { showItemError(item.code, [_("The signature is empty: sign in the box.")]); return; }
      if (!who) { showItemError(item.code, [_("Write the signer's name under the signature.")]); name.focus(); return; }
      canvas.toBlob(async (blob) => {
        if (!blob) return;
        const sigId = uuid();
        const old = draft.signatures[item.code];
        await photoPut(sigId, blob);
        if (old) await photoDelete(old.id);
        draft.signatures[item.code] = { id: sigId, name: who, uploaded: false };
        answer.result = "pass";
        preview.src = URL.createObjectURL(blob);
        clearItemError(item.code); persist(); updateScore(); show(true);
        if (navigator.onLine && draft.state === "draft") syncDraft(draft).then((ok) => ok && uploadSignatures(draft)).catch(() => {});
      }, "image/png");
    });
    again.addEventListener("click", () => { answer.result = ""; persist(); updateScore(); show(false); });
    name.addEventListener("input", () => { name.dataset.typed = "1"; const s = draft.signatures[item.code]; if (s && !s.uploaded) { s.name = name.value.trim(); persist(); } });
    if (saved && answer.result === "pass") { photoGet(saved.id).then((b) => { if (b) preview.src = URL.createObjectURL(b); }); show(true); } else show(false);
    const who = vendor ? _("Vendor's representative") : _("Inspector");
    const body = el("div", { class: "signature-box" }, [
      el("label", { for: id + "-signer", text: interpolate(_("Name of the signer (%(role)s)"), { role: who }, true) }), name,
      drawBox, done, el("div", { class: "actions-row" }, [clear, accept, again]),
    ]);
    return itemCard(item, answer, id, [body], false);
  }

  function addThumb(box, blob) {
    const url = URL.createObjectURL(blob);
    box.appendChild(el("img", { src: url, alt: _("photo"), class: "thumb" }));
  }

  function renderJoint(contract) {
    const draft = current;
    $("f-vendor-rep").value = draft.vendor_representative || "";
    $("f-vendor-rep").oninput = (e) => {
      draft.vendor_representative = e.target.value; persist(); scheduleSync();
      // the representative signs under the name given here, unless another name was typed in the signature box
      document.querySelectorAll("input[data-signer=vendor]").forEach((input) => { if (!input.dataset.typed) input.value = e.target.value.trim(); });
    };
    const deps = $("f-departments"); deps.innerHTML = "";
    DATA.departments.forEach((d) => {
      const id = "dep-" + d.id;
      const box = el("input", { type: "checkbox", id, checked: (draft.departments || []).includes(d.id) });
      box.addEventListener("change", () => { draft.departments = box.checked ? [...new Set([...(draft.departments || []), d.id])] : (draft.departments || []).filter((x) => x !== d.id); persist(); scheduleSync(); });
      deps.appendChild(el("label", { class: "choice", for: id }, [box, d.name]));
    });
    const orders = $("joint-orders"); orders.innerHTML = "";
    if (!contract.rectifications.length) { orders.appendChild(el("p", { text: _("No open rectification order.") })); return; }
    contract.rectifications.forEach((o) => {
      const check = (draft.rectification_checks[o.id] = draft.rectification_checks[o.id] || { result: "", note: "" });
      const group = el("div", { class: "result-buttons", role: "group", "aria-label": o.ref });
      [["done", _("Done")], ["not_done", _("Not done")]].forEach(([value, label]) => {
        const b = el("button", { type: "button", class: "btn result-btn result-" + (value === "done" ? "pass" : "fail"), "aria-pressed": check.result === value ? "true" : "false", text: label });
        b.addEventListener("click", () => { check.result = value; group.querySelectorAll("button").forEach((x) => x.setAttribute("aria-pressed", x === b ? "true" : "false")); persist(); scheduleSync(); });
        group.appendChild(b);
      });
      orders.appendChild(el("article", { class: "check-item" }, [
        el("div", { class: "check-head" }, [el("span", { class: "item-code", text: o.ref }), el("strong", { text: o.description }), el("span", { class: "badge", text: o.status_label })]),
        group,
      ]));
    });
  }

  function updateScore() {
    const s = runningScore(current);
    $("running-score").textContent = s && s.score !== null ? s.score : "—";
    $("running-count").textContent = s ? interpolate(_("%(answered)s of %(total)s answered"), s, true) : "";
  }

  function clearItemError(code) { const p = $("err-" + code); if (p) p.textContent = ""; }
  function showItemError(code, messages) {
    const p = $("err-" + code); if (!p) return false;
    p.textContent = messages.join(" ");
    return true;
  }
  function showErrors(errors) {
    if (!errors) return;
    const general = [];
    let first = null;
    Object.entries(errors).forEach(([key, messages]) => {
      const list = Array.isArray(messages) ? messages : [String(messages)];
      if (key.startsWith("items.")) { const code = key.slice(6); if (showItemError(code, list) && !first) first = code; }
      else if (key === "vendor_representative") $("err-vendor_representative").textContent = list.join(" ");
      else if (key !== "errors") general.push(...list);
    });
    const box = $("form-errors");
    box.hidden = !general.length && !first;
    box.textContent = general.length ? general.join(" ") : _("Some items need attention; see the messages next to them.");
    if (first) { const node = $("item-" + first.replace(/[^\w-]/g, "_")); if (node) node.scrollIntoView({ block: "center" }); }
  }

  // --- photos: resized in the browser before they are stored or sent -----------------------------------
  async function resize(file) {
    let bitmap;
    try { bitmap = await createImageBitmap(file, { imageOrientation: "from-image" }); }
    catch (e) { bitmap = await createImageBitmap(file); }
    const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    return new Promise((res, rej) => canvas.toBlob((b) => (b ? res(b) : rej(new Error("encode"))), "image/jpeg", 0.85));
  }

  // --- submit --------------------------------------------------------------------------------------------
  function localProblems(draft) {
    const tpl = templateById(draft.template); const problems = {};
    tpl.items.forEach((item) => {
      const a = draft.results[item.code];
      if (item.answer === "reading" && (!a || !a.result)) {
        problems["items." + item.code] = [a && String(a.reading || "").trim() ? interpolate(_("Enter the reading as a number with at most 3 decimals (%(range)s)."), { range: item.range }, true) : interpolate(_("Enter the reading (%(range)s), or choose n.a."), { range: item.range }, true)];
      } else if (item.answer === "post" && (!a || !a.result)) {
        problems["items." + item.code] = [_("Tick who of the roster is at work on the post (or say nobody is), or choose n.a.")];
      } else if (item.answer === "signature" && (!a || a.result !== "pass" || !(draft.signatures || {})[item.code])) {
        problems["items." + item.code] = [_("Sign here: the signature is missing.")];
      } else if (!a || !a.result) problems["items." + item.code] = [_("Choose pass, partial, fail or n.a.")];
      else if (a.result === "partial") {
        const p = Number(a.points);
        if (a.points === "" || !Number.isFinite(p) || p < 0 || p > Number(item.max_points)) problems["items." + item.code] = [interpolate(_("Enter the points given, between 0 and %(max)s."), { max: item.max_points }, true)];
      } else if (a.result === "fail" && item.photo_required && !(draft.photos || []).some((ph) => ph.item === item.code)) {
        problems["items." + item.code] = [_("A photo is required when this item fails.")];
      }
    });
    if (draft.kind === "monthly_joint" && !(draft.vendor_representative || "").trim()) problems.vendor_representative = [_("Name the vendor's representative at the joint inspection.")];
    return problems;
  }
  function setupForm() {
    $("btn-back").addEventListener("click", () => { persist(); current = null; showScreen("start"); renderLocalDrafts(); });
    $("btn-submit").addEventListener("click", () => {
      const problems = localProblems(current);
      if (Object.keys(problems).length) { showErrors(problems); return; }
      current.state = "queued"; current.errors = null; persist();
      showDone(current); flush();
    });
    $("btn-new").addEventListener("click", () => { current = null; showScreen("start"); refreshStart(); renderLocalDrafts(); });
    $("btn-rounds").addEventListener("click", () => { current = null; showScreen("start"); renderLocalDrafts(); });
  }
  function showDone(draft) {
    showScreen("done");
    if (draft.state === "submitted") {
      $("done-title").textContent = _("Submitted");
      const lines = [interpolate(_("Inspection %(reference)s was received with a score of %(score)s."), { reference: draft.result.reference, score: draft.result.score === null ? "—" : draft.result.score }, true)];
      if (draft.result.round) lines.push(interpolate(_("Planned round of %(date)s: %(status)s."), { date: draft.result.round.due_on, status: draft.result.round.status_label }, true));
      const orders = draft.result.rectifications || [];
      if (orders.length) lines.push(interpolate(_("Rectification orders opened for the failed items: %(orders)s."), { orders: orders.map((o) => interpolate(_("%(ref)s (due %(deadline)s)"), o, true)).join(_(", ")) }, true));
      $("done-text").textContent = lines.join(" ");
    } else {
      $("done-title").textContent = _("Queued");
      $("done-text").textContent = _("The inspection is saved on this device and will be sent as soon as the network is back. You can close this page.");
    }
  }

  // --- start ---------------------------------------------------------------------------------------------
  setupStart(); setupForm(); refreshNet();
  app.dataset.ready = String(Math.round(performance.now())); // the form is usable: choosers filled, buttons wired
  flush();
  // the rest waits for the first screen's own loads: the service worker (which keeps the page and its assets)
  // and the checklists in the background
  const afterLoad = () => {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(app.dataset.sw, { scope: app.dataset.scope }).catch(() => {});
    }
    prefetchChecklists();
    prefetchRosters();
    window.addEventListener("online", prefetchChecklists);
  };
  if (document.readyState === "complete") afterLoad(); else window.addEventListener("load", afterLoad, { once: true });
})();
