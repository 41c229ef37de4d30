// The brief form's autosave (briefs/admin/autosave.py): what the form holds is sent every few
// seconds once something changed, apart from revisions, and offered back when the form is
// opened again after a crash; a heartbeat says the form is still open, and leaving the page
// says it no longer is (the presence banner).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const marker = document.getElementById("brief-autosave");
  const form = document.getElementById("brief_form");
  if (!marker || !form) {
    return;
  }
  const url = marker.dataset.url;
  const EVERY = 5000;
  const HEARTBEAT = 60000;
  let changed = false;
  let leaving = false;

  function post(data, beacon) {
    data.set("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    if (beacon) {
      return navigator.sendBeacon(url, data);
    }
    return fetch(url, { method: "POST", body: data, credentials: "same-origin" });
  }

  function formData() {
    const data = new FormData(form);
    for (const [name, value] of Array.from(data.entries())) {
      if (value instanceof File) {
        data.delete(name);
      }
    }
    // A chosen expert or issue is shown by its name: keep the name, to show it again.
    for (const select of form.querySelectorAll("select[name]")) {
      for (const option of select.selectedOptions) {
        data.append(`${select.name}:label`, option.text);
      }
    }
    return data;
  }

  function save() {
    if (!changed || leaving) {
      return;
    }
    changed = false;
    post(formData(), false).then(
      (response) => { if (!response.ok) { changed = true; } },
      () => { changed = true; },
    );
  }

  form.addEventListener("input", () => { changed = true; });
  form.addEventListener("change", () => { changed = true; });
  form.addEventListener("submit", () => { leaving = true; });
  setInterval(save, EVERY);
  setInterval(() => {
    if (!leaving) {
      const alive = new FormData();
      alive.set("alive", "1");
      post(alive, false).catch(() => {});
    }
  }, HEARTBEAT);
  window.addEventListener("pagehide", () => {
    if (changed && !leaving) {
      post(formData(), true);
    }
    const closed = new FormData();
    closed.set("closed", "1");
    post(closed, true);
  });

  const notice = document.getElementById("brief-unsaved");
  const kept = document.getElementById("brief-unsaved-fields");
  if (!notice || !kept) {
    return;
  }
  document.getElementById("brief-unsaved-restore").addEventListener("click", () => {
    restore(form, JSON.parse(kept.textContent));
    notice.hidden = true;
    changed = true;
  });
  document.getElementById("brief-unsaved-discard").addEventListener("click", () => {
    const discard = new FormData();
    discard.set("discard", "1");
    post(discard, false);
    notice.hidden = true;
  });
});

function restore(form, rows) {
  const values = new Map();
  for (const [name, value, label] of rows) {
    if (!values.has(name)) {
      values.set(name, []);
    }
    values.get(name).push({ value, label });
  }
  // Rows of quotes, sections and links added before the crash are added again first.
  for (const [name, [total]] of values) {
    const prefix = name.match(/^(.+)-TOTAL_FORMS$/);
    const add = prefix && document.querySelector(`#${prefix[1]}-group .add-row a`);
    let tries = 50;
    while (add && Number(form.elements[name].value) < Number(total.value) && tries--) {
      add.click();
    }
  }
  for (const field of form.elements) {
    if (!field.name || field.type === "file" || field.name === "csrfmiddlewaretoken") {
      continue;
    }
    const kept = values.get(field.name) || [];
    if (field.type === "checkbox" || field.type === "radio") {
      field.checked = kept.some(({ value }) => value === field.value);
    } else if (field.tagName === "SELECT") {
      for (const { value, label } of kept) {
        if (!Array.from(field.options).some((option) => option.value === value)) {
          field.add(new Option(label || value, value));
        }
      }
      for (const option of field.options) {
        option.selected = kept.some(({ value }) => value === option.value);
      }
    } else if (kept.length && field.type !== "submit" && field.tagName !== "BUTTON") {
      field.value = kept[kept.length - 1].value;
    } else {
      continue;
    }
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }
  if (window.django && window.django.jQuery) {
    window.django.jQuery(form).find("select.admin-autocomplete").trigger("change");
  }
}
