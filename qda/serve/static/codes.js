// The codes page: add, rename, move and merge codes through the JSON API.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form.code-edit").forEach((form) => {
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const coder = await Qda.askCoder(false);
      const body = Object.fromEntries(new FormData(form).entries());
      body.coder = coder;
      try {
        const done = await Qda.api("POST", "/api/codebook/" + form.dataset.action, body);
        Qda.toast(done.action + " " + done.code + ": codebook " + done.version);
        setTimeout(() => location.reload(), 600);
      } catch (err) { Qda.toast(err.message, "error"); }
    });
  });
});
