// The live preview beside the brief's form (briefs/admin/live_preview.py): "Show preview"
// opens a panel with the brief's public page made from what the form holds, remade a moment
// after each change. Nothing is saved by it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const marker = document.getElementById("brief-live-preview");
  const form = document.getElementById("brief_form");
  if (!marker || !form) {
    return;
  }
  const url = marker.dataset.url;
  const toggle = document.getElementById("brief-live-preview-toggle");
  const panel = document.getElementById("brief-live-preview-panel");
  // Made here, not in the page's HTML: the pages hold no embedding element of their own, so
  // one found there is always a hole (tests/security/test_stored_xss.py).
  const frame = document.createElement("iframe");
  frame.title = "Preview of the brief as the form holds it";
  frame.setAttribute("sandbox", "allow-same-origin");
  panel.append(frame);
  const status = panel.querySelector(".brief-live-preview-status");
  const WAIT = 600;
  toggle.hidden = false;
  let timer = null;
  let running = null;
  let scroll = 0;

  function formData() {
    const data = new FormData(form);
    for (const [name, value] of Array.from(data.entries())) {
      if (value instanceof File) {
        data.delete(name);
      }
    }
    return data;
  }

  function refresh() {
    if (running) {
      running.abort();
    }
    running = new AbortController();
    status.textContent = "Updating…";
    fetch(url, { method: "POST", body: formData(), credentials: "same-origin", signal: running.signal })
      .then((response) => {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then((html) => {
        scroll = frame.contentWindow ? frame.contentWindow.scrollY : 0;
        frame.srcdoc = html;
        status.textContent = "Up to date";
      })
      .catch((error) => {
        if (error.name !== "AbortError") {
          status.textContent = "The preview could not be made; your text is still in the form.";
        }
      });
  }

  function later() {
    if (!document.body.classList.contains("with-live-preview")) {
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(refresh, WAIT);
  }

  frame.addEventListener("load", () => {
    if (frame.contentWindow) {
      frame.contentWindow.scrollTo(0, scroll);
    }
  });
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  toggle.addEventListener("click", () => {
    const open = document.body.classList.toggle("with-live-preview");
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Hide preview" : "Show preview beside the form";
    if (open) {
      refresh();
    }
  });
});
