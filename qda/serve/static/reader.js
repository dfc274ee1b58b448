// The reader: a document as turns, codings as highlights with the codes named beside,
// selection -> code picker -> coding, suggestions apart with their evidence, undo.
// Every piece of text goes into the page with textContent, never as HTML.
"use strict";
(() => {
  const documentId = document.getElementById("doc-title").dataset.document;
  const turnsEl = document.getElementById("turns");
  const picker = document.getElementById("picker");
  const pickerInput = document.getElementById("picker-input");
  const pickerList = document.getElementById("picker-list");
  const pickerRecent = document.getElementById("picker-recent");
  const state = { doc: null, codes: [], byId: {}, current: -1, selection: null,
                  undo: [], highlighted: 0, shown: [] };
  const RECENT = "qda.recent";

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function tint(hex, alpha) {
    const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || "");
    if (!m) return "rgba(255, 220, 0, " + alpha + ")";
    return "rgba(" + parseInt(m[1], 16) + ", " + parseInt(m[2], 16) + ", " +
      parseInt(m[3], 16) + ", " + alpha + ")";
  }

  function clock(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const s = Math.round(seconds);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    return (h ? h + ":" + two(m) : String(m)) + ":" + two(r);
  }

  function codeName(id) { return state.byId[id] ? state.byId[id].name : id; }
  function codeColor(id) { return state.byId[id] ? state.byId[id].color : "#999999"; }

  // ------------------------------------------------------------------ loading
  async function load() {
    const others = document.getElementById("show-others").checked ? "&others=1" : "";
    const url = "/api/documents/" + encodeURIComponent(documentId) + "?coder=" +
      encodeURIComponent(Qda.coder()) + others;
    state.doc = await Qda.api("GET", url);
    render();
  }

  async function loadCodes() {
    const book = await Qda.api("GET", "/api/codebook");
    state.codes = book.codes;
    state.byId = Object.fromEntries(book.codes.map((c) => [c.id, c]));
  }

  // ----------------------------------------------------------------- drawing
  function render() {
    const began = performance.now();
    const y = window.scrollY;
    const d = state.doc;
    document.getElementById("doc-title").textContent = d.document.name;
    document.title = d.document.name + " · qda";
    const hidden = document.getElementById("hidden-count");
    hidden.textContent = d.hidden ? "(" + d.hidden + " hidden)" : "";
    const byTurn = {};
    for (const c of d.codings) (byTurn[c.segment] = byTurn[c.segment] || []).push(c);
    const suggByTurn = {};
    for (const s of d.suggestions) (suggByTurn[s.segment] = suggByTurn[s.segment] || []).push(s);
    const frag = document.createDocumentFragment();
    for (const t of d.turns) frag.appendChild(drawTurn(t, byTurn[t.id] || [], suggByTurn[t.id] || []));
    turnsEl.replaceChildren(frag);
    drawSuggestions();
    window.scrollTo(0, y);
    void turnsEl.offsetHeight;   // lay the page out, so the time below includes it
    window.qdaRenderMs = performance.now() - began;
  }

  function drawTurn(t, codings, suggestions) {
    const art = el("article", "turn" + (t.interviewer ? " interviewer" : ""));
    art.id = t.id;
    art.dataset.segment = t.id;
    const meta = el("div", "meta");
    meta.appendChild(el("span", "speaker", t.speaker || t.label || "(no speaker)"));
    if (t.interviewer) meta.appendChild(el("span", "badge", "interviewer"));
    if (t.participant && !t.interviewer) {
      meta.appendChild(el("span", "participant", t.label && t.label !== t.speaker ? t.label : t.participant));
    }
    for (const [k, v] of Object.entries(t.attributes || {})) {
      meta.appendChild(el("span", "attr", k + ": " + v));
    }
    if (t.begin !== null && t.begin !== undefined) {
      meta.appendChild(el("span", "time", clock(t.begin) + (t.end_time ? "–" + clock(t.end_time) : "")));
    }
    if (t.question) meta.appendChild(el("span", "question", t.question));
    art.appendChild(meta);
    const body = el("div", "body");
    const text = el("div", "text");
    text.dataset.turn = t.id;
    drawPieces(text, t, codings, suggestions);
    body.appendChild(text);
    const margin = el("div", "margin");
    for (const c of codings) margin.appendChild(chip(c));
    for (const s of suggestions) {
      const m = el("div", "chip suggestion-chip", codeName(s.code) + " ?");
      m.style.borderColor = codeColor(s.code);
      m.title = "suggested by " + s.source + (s.confidence !== null && s.confidence !== undefined
        ? " (" + s.confidence.toFixed(2) + ")" : "");
      m.addEventListener("click", () => focusSuggestion(state.doc.suggestions.indexOf(s)));
      margin.appendChild(m);
    }
    body.appendChild(margin);
    art.appendChild(body);
    return art;
  }

  function drawPieces(container, t, codings, suggestions) {
    const cuts = new Set([t.start, t.end]);
    const evidence = [];   // [start, end, suggestion id]: the words each suggestion matched
    for (const sg of suggestions) {
      for (const e of sg.evidence || []) {
        if (Number.isInteger(e.start) && Number.isInteger(e.end) && e.end > e.start) {
          evidence.push([e.start, e.end, sg.id]);
        }
      }
    }
    const spans = codings.concat(suggestions).map((c) => [c.start, c.end]).concat(evidence);
    for (const [a, b] of spans) {
      cuts.add(Math.max(t.start, Math.min(t.end, a)));
      cuts.add(Math.max(t.start, Math.min(t.end, b)));
    }
    const points = Array.from(cuts).sort((a, b) => a - b);
    // code point -> UTF-16 position, walking the turn's text once
    const at = {};
    let unit = 0, cp = t.start, k = 0;
    const s = t.text;
    while (k < points.length) {
      while (cp < points[k] && unit < s.length) {
        const c = s.charCodeAt(unit);
        unit += (c >= 0xd800 && c <= 0xdbff && unit + 1 < s.length) ? 2 : 1;
        cp += 1;
      }
      at[points[k]] = unit;
      k += 1;
    }
    for (let i = 0; i + 1 < points.length; i++) {
      const a = points[i], b = points[i + 1];
      const piece = el("span", "piece", s.slice(at[a], at[b]));
      piece.dataset.start = a;
      const over = codings.filter((c) => c.start <= a && c.end >= b);
      if (over.length) {
        over.sort((x, y) => (x.end - x.start) - (y.end - y.start));
        piece.classList.add("coded");
        if (over.length > 1) piece.classList.add("multi");
        piece.style.backgroundColor = tint(codeColor(over[0].code), 0.35);
        piece.dataset.codings = over.map((c) => c.id).join(" ");
        piece.title = over.map((c) => codeName(c.code) + " (" + c.coder + ")").join("\n");
      }
      const sugg = suggestions.filter((c) => c.start <= a && c.end >= b);
      if (sugg.length) piece.dataset.suggestions = sugg.map((c) => c.id).join(" ");
      const matched = evidence.filter(([x, y]) => x <= a && y >= b);
      if (matched.length) {
        piece.classList.add("matched");
        piece.dataset.evidence = matched.map((m) => m[2]).join(" ");
      }
      container.appendChild(piece);
    }
  }

  function chip(c) {
    const box = el("div", "chip");
    box.style.borderColor = codeColor(c.code);
    box.dataset.coding = c.id;
    const swatch = el("span", "swatch");
    swatch.style.backgroundColor = codeColor(c.code);
    box.appendChild(swatch);
    box.appendChild(el("span", "name", codeName(c.code)));
    if (c.coder !== Qda.coder()) box.appendChild(el("span", "by", c.coder));
    box.title = "“" + c.text + "” — " + c.coder + (c.origin ? " (accepted from " + c.origin + ")" : "");
    if (c.coder === Qda.coder()) {
      const x = el("button", "remove", "×");
      x.type = "button";
      x.title = "remove this coding";
      x.setAttribute("aria-label", "remove coding " + codeName(c.code));
      x.addEventListener("click", () => removeCoding(c));
      box.appendChild(x);
    }
    box.addEventListener("mouseenter", () => flash(c.id, true));
    box.addEventListener("mouseleave", () => flash(c.id, false));
    return box;
  }

  function flash(id, on) {
    turnsEl.querySelectorAll(".piece[data-codings]").forEach((p) => {
      if (p.dataset.codings.split(" ").includes(String(id))) p.classList.toggle("flash", on);
    });
  }

  // ------------------------------------------------------------- suggestions
  function drawSuggestions() {
    const list = document.getElementById("suggestion-list");
    const items = state.doc.suggestions;
    document.getElementById("suggestion-count").textContent = "(" + items.length + ")";
    const frag = document.createDocumentFragment();
    items.forEach((s, i) => {
      const li = el("li", "suggestion" + (i === state.current ? " current" : ""));
      li.dataset.coding = s.id;
      const head = el("div", "head");
      const sw = el("span", "swatch");
      sw.style.backgroundColor = codeColor(s.code);
      head.appendChild(sw);
      head.appendChild(el("b", null, codeName(s.code)));
      head.appendChild(el("span", "source", s.source + (s.confidence !== null && s.confidence !== undefined
        ? " · confidence " + s.confidence.toFixed(2) : "")));
      li.appendChild(head);
      li.appendChild(el("q", "quote", s.text.length > 160 ? s.text.slice(0, 157) + "…" : s.text));
      const words = (s.evidence || []).filter((e) => e.text || e.term)
        .map((e) => (e.term && e.text && e.term !== e.text ? e.term + " → “" + e.text + "”" : "“" + (e.text || e.term) + "”"));
      if (words.length) li.appendChild(el("div", "evidence", "matched: " + Array.from(new Set(words)).join(", ")));
      const actions = el("div", "actions");
      const yes = el("button", "accept", "Accept (a)");
      yes.type = "button";
      yes.addEventListener("click", () => review(i, "accept"));
      const no = el("button", "reject", "Reject (r)");
      no.type = "button";
      no.addEventListener("click", () => review(i, "reject"));
      actions.append(yes, no);
      li.appendChild(actions);
      li.addEventListener("click", (e) => { if (e.target.tagName !== "BUTTON") focusSuggestion(i); });
      frag.appendChild(li);
    });
    list.replaceChildren(frag);
    markCurrent();
  }

  function markCurrent() {
    turnsEl.querySelectorAll(".current-suggestion, .current-evidence").forEach((p) =>
      p.classList.remove("current-suggestion", "current-evidence"));
    const s = state.doc.suggestions[state.current];
    document.querySelectorAll("#suggestion-list li").forEach((li, i) => li.classList.toggle("current", i === state.current));
    if (!s) return;
    turnsEl.querySelectorAll(".piece[data-suggestions]").forEach((p) => {
      if (p.dataset.suggestions.split(" ").includes(String(s.id))) p.classList.add("current-suggestion");
    });
    turnsEl.querySelectorAll(".piece[data-evidence]").forEach((p) => {
      if (p.dataset.evidence.split(" ").includes(String(s.id))) p.classList.add("current-evidence");
    });
  }

  function focusSuggestion(i) {
    const items = state.doc.suggestions;
    if (!items.length) { Qda.toast("No open suggestions in this document."); return; }
    state.current = ((i % items.length) + items.length) % items.length;
    markCurrent();
    const s = items[state.current];
    const turn = document.getElementById(s.segment);
    if (turn) turn.scrollIntoView({ block: "center" });
    const li = document.querySelector("#suggestion-list li.current");
    if (li) li.scrollIntoView({ block: "nearest" });
  }

  async function review(i, action) {
    const s = state.doc.suggestions[i];
    if (!s) { Qda.toast("Choose a suggestion first (n: next suggestion)."); return; }
    try {
      const done = await Qda.api("POST", "/api/suggestions/" + s.id + "/" + action, { coder: Qda.coder() });
      if (done.changed) state.undo.push({ kind: "review", id: s.id, action, code: s.code });
      Qda.toast((action === "accept" ? "Accepted " : "Rejected ") + codeName(s.code) +
        (done.duplicates ? " (you had it already)" : ""));
      const keep = state.current;
      await load();
      state.current = Math.min(keep, state.doc.suggestions.length - 1);
      markCurrent();
      drawSuggestions();
    } catch (e) { Qda.toast(e.message, "error"); }
  }

  // --------------------------------------------------------------- selection
  function readSelection() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    const a = range.startContainer, b = range.endContainer;
    const ta = (a.nodeType === Node.TEXT_NODE ? a.parentElement : a).closest(".text");
    const tb = (b.nodeType === Node.TEXT_NODE ? b.parentElement : b).closest(".text");
    if (!ta && !tb) return null;
    if (!ta || ta !== tb) return { error: "Select within one turn: a coding cannot cross turns." };
    const turn = state.doc.turns.find((t) => t.id === ta.dataset.turn);
    if (turn.interviewer) return { error: "Interviewer turns are not coded." };
    let start = QdaOffsets.fromDom(a, range.startOffset, false);
    let end = QdaOffsets.fromDom(b, range.endOffset, true);
    if (start === null || end === null) return null;
    start = Math.max(start, turn.start);
    end = Math.min(end, turn.end);
    // the words selected: leave out spaces at either edge
    const cps = Array.from(turn.text);
    while (start < end && /\s/.test(cps[start - turn.start])) start += 1;
    while (end > start && /\s/.test(cps[end - 1 - turn.start])) end -= 1;
    if (end <= start) return null;
    return { turn, start, end, text: cps.slice(start - turn.start, end - turn.start).join("") };
  }

  function onSelect() {
    if (!picker.hidden) return;
    const s = readSelection();
    if (!s) return;
    if (s.error) { Qda.toast(s.error, "error"); return; }
    openPicker(s);
  }

  // ------------------------------------------------------------------ picker
  function recent() {
    try { return JSON.parse(localStorage.getItem(RECENT) || "[]").filter((id) => state.byId[id]); }
    catch (e) { return []; }
  }

  function remember(code) {
    const list = [code].concat(recent().filter((c) => c !== code)).slice(0, 9);
    localStorage.setItem(RECENT, JSON.stringify(list));
  }

  function openPicker(selection) {
    state.selection = selection;
    document.getElementById("picker-quote").textContent = "“" + selection.text + "”";
    pickerInput.value = "";
    state.highlighted = 0;
    const range = window.getSelection().rangeCount ? window.getSelection().getRangeAt(0).getBoundingClientRect() : null;
    picker.hidden = false;
    if (range) {
      picker.style.top = Math.min(window.innerHeight - 320, Math.max(8, range.bottom + 6)) + "px";
      picker.style.left = Math.min(window.innerWidth - 380, Math.max(8, range.left)) + "px";
    }
    drawRecent();
    filterCodes();
    pickerInput.focus({ preventScroll: true });
  }

  function closePicker() {
    picker.hidden = true;
    state.selection = null;
  }

  function drawRecent() {
    const frag = document.createDocumentFragment();
    recent().forEach((id, i) => {
      const li = el("li", null);
      li.appendChild(el("kbd", null, String(i + 1)));
      li.appendChild(el("span", null, " " + codeName(id)));
      li.addEventListener("mousedown", (e) => { e.preventDefault(); apply(id, false); });
      frag.appendChild(li);
    });
    pickerRecent.replaceChildren(frag);
  }

  function filterCodes() {
    const words = pickerInput.value.toLowerCase().split(/\s+/).filter(Boolean);
    state.shown = state.codes.filter((c) => {
      const hay = (c.path + " " + c.id).toLowerCase();
      return words.every((w) => hay.includes(w));
    });
    state.highlighted = Math.min(state.highlighted, Math.max(0, state.shown.length - 1));
    const frag = document.createDocumentFragment();
    state.shown.forEach((c, i) => {
      const li = el("li", "depth-" + c.depth + (i === state.highlighted ? " active" : ""));
      li.setAttribute("role", "option");
      li.dataset.code = c.id;
      const sw = el("span", "swatch");
      sw.style.backgroundColor = c.color;
      li.appendChild(sw);
      li.appendChild(el("span", "name", c.name));
      if (words.length && c.depth > 1) li.appendChild(el("span", "path", c.path));
      li.addEventListener("mousedown", (e) => { e.preventDefault(); apply(c.id, e.shiftKey); });
      frag.appendChild(li);
    });
    pickerList.replaceChildren(frag);
    const active = pickerList.querySelector(".active");
    if (active) active.scrollIntoView({ block: "nearest" });
  }

  pickerInput.addEventListener("input", () => { state.highlighted = 0; filterCodes(); });
  pickerInput.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); closePicker(); return; }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const n = state.shown.length;
      if (n) state.highlighted = (state.highlighted + (e.key === "ArrowDown" ? 1 : n - 1)) % n;
      filterCodes();
      return;
    }
    if (e.key === "Enter") {
      e.preventDefault();
      const c = state.shown[state.highlighted];
      if (c) apply(c.id, e.shiftKey);
      return;
    }
    if (/^[1-9]$/.test(e.key) && pickerInput.value === "") {
      const id = recent()[Number(e.key) - 1];
      if (id) { e.preventDefault(); apply(id, e.shiftKey); }
    }
  });

  // ----------------------------------------------------------------- actions
  async function apply(code, keepOpen) {
    const s = state.selection;
    if (!s) return;
    try {
      const done = await Qda.api("POST", "/api/codings", {
        document: documentId, start: s.start, end: s.end, code, coder: Qda.coder(), text: s.text });
      remember(code);
      if (done.created) state.undo.push({ kind: "add", id: done.id, code });
      Qda.toast((done.created ? "Coded as " : "Already coded as ") + codeName(code));
      if (keepOpen) { drawRecent(); pickerInput.value = ""; filterCodes(); } else closePicker();
      await load();
    } catch (e) { Qda.toast(e.message, "error"); }
  }

  async function removeCoding(c) {
    try {
      await Qda.api("DELETE", "/api/codings/" + c.id, { coder: Qda.coder() });
      state.undo.push({ kind: "remove", coding: c });
      Qda.toast("Removed " + codeName(c.code));
      await load();
    } catch (e) { Qda.toast(e.message, "error"); }
  }

  async function undo() {
    const last = state.undo.pop();
    if (!last) { Qda.toast("Nothing to undo."); return; }
    try {
      if (last.kind === "add") {
        await Qda.api("DELETE", "/api/codings/" + last.id, { coder: Qda.coder() });
        Qda.toast("Undone: coding as " + codeName(last.code));
      } else if (last.kind === "remove") {
        const c = last.coding;
        await Qda.api("POST", "/api/codings", { document: documentId, start: c.start,
          end: c.end, code: c.code, coder: Qda.coder(), text: c.text });
        Qda.toast("Undone: removing " + codeName(c.code));
      } else if (last.kind === "review") {
        await Qda.api("POST", "/api/suggestions/" + last.id + "/reopen", { coder: Qda.coder() });
        Qda.toast("Undone: " + last.action + " of " + codeName(last.code));
      }
      await load();
    } catch (e) { Qda.toast(e.message, "error"); }
  }

  // --------------------------------------------------------------------- keys
  function typing(e) {
    const t = e.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  document.addEventListener("keydown", (e) => {
    if (typing(e) || e.altKey || e.metaKey) return;
    if (e.ctrlKey) {
      if (e.key === "z") { e.preventDefault(); undo(); }
      return;
    }
    if (!picker.hidden) return;
    const key = e.key;
    if (key === "n") { e.preventDefault(); focusSuggestion(state.current + 1); }
    else if (key === "p") { e.preventDefault(); focusSuggestion(state.current - 1); }
    else if (key === "a") { e.preventDefault(); review(state.current, "accept"); }
    else if (key === "r") { e.preventDefault(); review(state.current, "reject"); }
    else if (key === "u") { e.preventDefault(); undo(); }
    else if (key === "c" || key === "Enter") { const s = readSelection(); if (s && !s.error) { e.preventDefault(); openPicker(s); } else if (s) Qda.toast(s.error, "error"); }
  });
  turnsEl.addEventListener("mouseup", () => setTimeout(onSelect, 0));
  document.addEventListener("mousedown", (e) => {
    if (!picker.hidden && !picker.contains(e.target)) closePicker();
  });
  document.getElementById("undo").addEventListener("click", undo);
  document.getElementById("show-others").addEventListener("change", load);

  document.addEventListener("DOMContentLoaded", async () => {
    await Qda.askCoder(false);
    try {
      await loadCodes();
      await load();
      window.qdaReady = true;
      window.qdaReadyAt = performance.now();
      if (location.hash) {
        const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
        if (target) { target.scrollIntoView({ block: "center" }); target.classList.add("target"); }
      }
    } catch (e) { Qda.toast(e.message, "error"); }
  });
})();
