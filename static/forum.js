// Progressive enhancement only: every action works without this file.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});

// --- Guest posts: the author's draft editor (templates/blog/author_edit.html) -------------
// Nothing typed is lost. Every change is mirrored to localStorage at once and sent to the
// server about ten seconds later (no version kept); the local copy is dropped once the server
// has the text. A page that loads with an older server copy (a closed tab, an expired
// session, a failed save) gets the local text back, with a notice and a way to discard it.
document.addEventListener("submit", (event) => {
  // A button may ask for its own confirmation (decline, beside accept, in one form).
  const button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

(() => {
  const storage = {
    get(key) {
      try { return JSON.parse(window.localStorage.getItem(key)); } catch { return null; }
    },
    set(key, value) {
      try { window.localStorage.setItem(key, JSON.stringify(value)); } catch { /* full or off */ }
    },
    remove(key) {
      try { window.localStorage.removeItem(key); } catch { /* off */ }
    },
  };
  // A post that can no longer be edited keeps no local copy (it would be stale later).
  document.querySelectorAll("[data-forget-draft]").forEach((element) => {
    storage.remove(element.dataset.forgetDraft);
  });

  const form = document.querySelector("form[data-draft-key]");
  if (!form) return;
  const key = form.dataset.draftKey;
  const names = ["title", "summary", "body"];
  const status = form.querySelector("[data-autosave-status]");
  const notice = document.querySelector("[data-restore-notice]");
  const cover = form.elements.cover;
  const values = () => Object.fromEntries(names.map((name) => [name, form.elements[name].value]));
  const same = (a, b) => names.every((name) => (a[name] || "") === (b[name] || ""));
  const fill = (copy) => names.forEach((name) => { form.elements[name].value = copy[name] || ""; });
  const say = (message, time = "") => {
    if (status) status.textContent = status.dataset[message].replace("{time}", time);
  };
  const clock = () => new Date().toLocaleTimeString(document.documentElement.lang || [],
    { hour: "2-digit", minute: "2-digit" });

  const server = values();
  const local = storage.get(key);
  if (local && !same(local, server)) {
    fill(local);
    if (notice) {
      notice.hidden = false;
      notice.querySelector("[data-discard]").addEventListener("click", () => {
        fill(server);
        storage.remove(key);
        notice.hidden = true;
      });
    }
  } else if (local && !("unsaved" in form.dataset)) {
    storage.remove(key); // the server has exactly this text
  }

  let timer = null;
  const autosave = async (keepalive = false) => {
    timer = null;
    const sent = values();
    try {
      const response = await fetch(form.dataset.autosave, {
        method: "POST",
        body: new URLSearchParams(sent),
        headers: { "X-CSRF-Token": form.elements.csrf_token.value },
        credentials: "same-origin",
        keepalive,
      });
      if (response.status !== 204) throw new Error(String(response.status));
      if (same(values(), sent)) storage.remove(key);
      if (notice) notice.hidden = true;
      say("savedText", clock());
    } catch {
      say("failedText"); // the local copy stays until a save succeeds
    }
  };

  form.addEventListener("input", (event) => {
    if (!names.includes(event.target.name)) return;
    storage.set(key, { ...values(), at: Date.now() });
    if (!timer) timer = window.setTimeout(autosave, 10000);
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && timer) {
      window.clearTimeout(timer);
      autosave(true);
    }
  });
  if (cover && cover.dataset.maxBytes) {
    cover.addEventListener("change", () => {
      const file = cover.files[0];
      const tooLarge = file && file.size > Number(cover.dataset.maxBytes);
      cover.setCustomValidity(tooLarge ? cover.dataset.tooLarge : "");
      if (tooLarge) cover.reportValidity();
    });
  }
  form.addEventListener("submit", (event) => {
    if (cover && !cover.checkValidity()) {
      event.preventDefault();
      cover.reportValidity();
      return;
    }
    // The form carries the text now; the local copy stays until the next page shows it saved.
    window.clearTimeout(timer);
    timer = null;
  });
})();

// --- Similar threads while a new thread's title is typed (templates/threads/new.html) -----
// Without this script the "Check for similar threads" button shows the same list.
(() => {
  const box = document.querySelector("[data-similar-for]");
  const title = box && document.getElementById(box.dataset.similarFor);
  if (!title) return;
  let timer = null;
  let asked = "";
  const ask = async () => {
    const text = title.value.trim();
    if (text === asked) return;
    asked = text;
    if (text.length < 5) { box.replaceChildren(); return; }
    try {
      const response = await fetch(`/search/similar?title=${encodeURIComponent(text)}`,
        { headers: { Accept: "text/html" } });
      if (response.ok && asked === text) {
        const html = await response.text();
        // The fragment is the server's own escaped HTML.
        box.innerHTML = html;
      }
    } catch { /* offline: the button still works */ }
  };
  title.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 350);
  });
})();
