// Shared by every page: the token for changes, the coder's name, API calls, messages.
"use strict";
const Qda = (() => {
  const token = document.querySelector('meta[name="qda-token"]').content;
  const KEY = "qda.coder";

  function coder() { return localStorage.getItem(KEY) || ""; }

  let pending = null;
  function askCoder(force) {
    if (pending) return pending;
    const current = coder();
    if (current && !force) return Promise.resolve(current);
    pending = new Promise((resolve) => {
      const dialog = document.getElementById("coder-dialog");
      const input = document.getElementById("coder-input");
      input.value = current;
      dialog.addEventListener("close", function done() {
        dialog.removeEventListener("close", done);
        const name = input.value.trim();
        if (name) localStorage.setItem(KEY, name);
        showCoder();
        pending = null;
        resolve(coder());
      });
      dialog.showModal();
      input.focus();
    });
    return pending;
  }

  function showCoder() {
    document.getElementById("coder-name").textContent = coder() || "?";
  }

  async function api(method, url, body) {
    const options = { method, headers: { "X-QDA-Token": token }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    let data = null;
    try { data = await response.json(); } catch (e) { data = { error: response.statusText }; }
    if (!response.ok) throw new Error(data && data.error ? data.error : response.statusText);
    return data;
  }

  let toastTimer = null;
  function toast(message, kind) {
    const box = document.getElementById("toast");
    box.textContent = message;
    box.className = "show " + (kind || "");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.className = ""; }, kind === "error" ? 6000 : 2500);
  }

  function paint(root) {
    (root || document).querySelectorAll("[data-color]").forEach((el) => {
      el.style.backgroundColor = el.dataset.color;
    });
    (root || document).querySelectorAll("[data-share]").forEach((el) => {
      el.style.width = el.dataset.share + "%";
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    showCoder();
    paint();
    askCoder(false);
    document.getElementById("coder-change").addEventListener("click", () => askCoder(true));
  });

  return { token, coder, askCoder, api, toast, paint };
})();
