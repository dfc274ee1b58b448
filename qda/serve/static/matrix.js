// The matrix: a cell opens its quotes; the export button writes qda run's files.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("export").addEventListener("click", async (e) => {
    e.target.disabled = true;
    try {
      const done = await Qda.api("POST", "/api/export");
      const kept = done.warnings.length ? " " + done.warnings.join(" ") : "";
      Qda.toast("Wrote " + done.written.length + " files into " + done.folder + "." + kept,
                done.warnings.length ? "error" : "");
    } catch (err) {
      Qda.toast(err.message, "error");
    } finally {
      e.target.disabled = false;
    }
  });
  const table = document.querySelector("table.matrix");
  const box = document.getElementById("cell-quotes");
  const list = document.getElementById("cell-list");
  table.addEventListener("click", async (e) => {
    const cell = e.target.closest("button.cell");
    if (!cell) return;
    const q = new URLSearchParams({ rows: table.dataset.rows, row: cell.dataset.row, theme: cell.dataset.theme });
    try {
      const quotes = await Qda.api("GET", "/api/matrix/cell?" + q.toString());
      const head = table.querySelectorAll("thead th")[cell.parentElement.cellIndex];
      document.getElementById("cell-title").textContent = cell.dataset.row + " · " + head.textContent + " (" + quotes.length + ")";
      const items = quotes.map((x) => {
        const li = document.createElement("li");
        const quote = document.createElement("blockquote");
        quote.textContent = x.text;
        const by = document.createElement("p");
        by.className = "attribution";
        by.append("— " + (x.attribution || x.participant || "") + " · ");
        const a = document.createElement("a");
        a.href = "/documents/" + encodeURIComponent(x.document) + "#" + encodeURIComponent(x.segment);
        a.textContent = x.segment;
        by.appendChild(a);
        li.append(quote, by);
        return li;
      });
      list.replaceChildren(...items);
      box.hidden = false;
      box.scrollIntoView({ block: "start" });
    } catch (err) { Qda.toast(err.message, "error"); }
  });
});
