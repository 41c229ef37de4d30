// Quotes, further sections and related links put in order by dragging a row, or with its
// "Up" and "Down" buttons, instead of typing numbers (common/ordering.py: AuthorOrdered).
//
// The "Order" inputs stay in the form, hidden by a class set here (without JavaScript they
// show and work as before), and are written 1..n in the order shown after every move: rows
// marked for deletion and new rows left empty get no number (a number would make Django
// check an empty row), and a new row gets the next one as soon as something is written in it.
// Moves are read out in a polite live region. The save renumbers the rows anyway
// (changes.py), so numbers are only ever an order.
"use strict";

(function () {
  const GROUPS = {
    quotes: { one: "quote", describe: (row) => selectedText(row, "select[name$='-expert']") },
    sections: { one: "section", describe: (row) => valueOf(row, "input[name$='-heading']") },
    related_links: { one: "link", describe: (row) => valueOf(row, "input[name$='-title']") },
  };
  const NOT_CONTENT = /-(position|DELETE|id|brief)$/;
  let live = null;
  let dragged = null;

  function valueOf(row, selector) {
    const input = row.querySelector(selector);
    return input ? input.value.trim() : "";
  }

  function selectedText(row, selector) {
    const select = row.querySelector(selector);
    const option = select && select.selectedOptions[0];
    return option && option.value ? option.text.trim() : "";
  }

  function rowsOf(group) {
    return Array.from(group.querySelectorAll(".inline-related:not(.empty-form)"));
  }

  function positionOf(row) {
    return row.querySelector("input[name$='-position']:not([name*='__prefix__'])");
  }

  function isDeleted(row) {
    const remove = row.querySelector("input[type=checkbox][name$='-DELETE']");
    return Boolean(remove && remove.checked);
  }

  function hasContent(row) {
    return Array.from(row.querySelectorAll("input, select, textarea")).some((field) => {
      if (!field.name || NOT_CONTENT.test(field.name) || field.type === "hidden") {
        return false;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        return field.checked;
      }
      if (field.type === "file") {
        return field.files && field.files.length > 0;
      }
      return field.value.trim() !== "";
    });
  }

  function announce(message) {
    // Emptied first, so the same words twice are read twice.
    live.textContent = "";
    setTimeout(() => { live.textContent = message; }, 50);
  }

  /** Positions 1..n in the order shown; tells the autosave and preview of each change. */
  function renumber(group) {
    let number = 0;
    const changed = [];
    for (const row of rowsOf(group)) {
      const input = positionOf(row);
      if (!input || isDeleted(row)) {
        continue;
      }
      const value = row.dataset.orderSaved || hasContent(row) ? String(++number) : "";
      if (input.value !== value) {
        input.value = value;
        changed.push(input);
      }
    }
    for (const input of changed) {
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  /** Labels: the "#2" of unsaved rows (as the admin's inlines.js writes them), the buttons. */
  function relabel(group, kind) {
    const rows = rowsOf(group);
    rows.forEach((row, index) => {
      const label = row.querySelector(".inline_label");
      if (label && /^#\d+$/.test(label.textContent.trim())) {
        label.textContent = `#${index + 1}`;
      }
      const up = row.querySelector(".writing-move-up");
      const down = row.querySelector(".writing-move-down");
      if (!up || !down) {
        return;
      }
      up.setAttribute("aria-label", `Move ${kind.one} ${index + 1} up`);
      down.setAttribute("aria-label", `Move ${kind.one} ${index + 1} down`);
      // aria-disabled, not disabled: the button keeps the focus after the last move.
      up.setAttribute("aria-disabled", String(index === 0));
      down.setAttribute("aria-disabled", String(index === rows.length - 1));
    });
  }

  function told(group, kind, row) {
    const rows = rowsOf(group);
    const name = kind.describe(row);
    const which = name ? `${kind.one} “${name}”` : kind.one;
    return `Moved ${which} to ${rows.indexOf(row) + 1} of ${rows.length}.`;
  }

  function moved(group, kind, row) {
    renumber(group);
    relabel(group, kind);
    announce(told(group, kind, row));
  }

  function move(group, kind, row, step) {
    const rows = rowsOf(group);
    const index = rows.indexOf(row);
    const other = rows[index + step];
    if (!other) {
      announce(`This ${kind.one} is already ${step < 0 ? "first" : "last"}.`);
      return;
    }
    // The neighbour moves, so the row with the focus stays in the page and keeps it.
    if (step < 0) {
      row.after(other);
    } else {
      row.before(other);
    }
    moved(group, kind, row);
  }

  function moveButton(name, arrow, text) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `writing-move ${name}`;
    const icon = document.createElement("span");
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = arrow;
    button.append(icon, ` ${text}`);
    return button;
  }

  function addControls(group, kind, row) {
    if (row.querySelector(".writing-order")) {
      return;
    }
    const controls = document.createElement("div");
    controls.className = "writing-order";
    const handle = document.createElement("span");
    handle.className = "writing-drag-handle";
    handle.draggable = true;
    handle.title = `Drag to move this ${kind.one}`;
    handle.setAttribute("aria-hidden", "true"); // the buttons do the same from the keyboard
    handle.textContent = "⠿";
    const up = moveButton("writing-move-up", "↑", "Up");
    const down = moveButton("writing-move-down", "↓", "Down");
    controls.append(handle, up, down);
    const heading = row.querySelector(":scope > h3");
    if (heading) {
      heading.after(controls);
    } else {
      row.prepend(controls);
    }
    up.addEventListener("click", () => move(group, kind, row, -1));
    down.addEventListener("click", () => move(group, kind, row, 1));
    handle.addEventListener("dragstart", (event) => {
      dragged = row;
      event.dataTransfer.effectAllowed = "move";
      // Something must be set for some browsers to drag; nothing a text field would take.
      event.dataTransfer.setData("application/x-brief-row", row.id);
      event.dataTransfer.setDragImage(row, 16, 16);
      row.classList.add("writing-dragging");
    });
    handle.addEventListener("dragend", () => {
      row.classList.remove("writing-dragging");
      dragged = null;
      clearDropMarks(group);
    });
  }

  function clearDropMarks(group) {
    group.querySelectorAll(".writing-drop-before, .writing-drop-after").forEach((row) => {
      row.classList.remove("writing-drop-before", "writing-drop-after");
    });
  }

  /** Dropped on a row, the dragged row takes its place (after it when coming from above). */
  function dropTarget(group, event) {
    if (!dragged || !group.contains(dragged)) {
      return null;
    }
    const target = event.target.closest && event.target.closest(".inline-related:not(.empty-form)");
    if (!target || !group.contains(target)) {
      return null;
    }
    const rows = rowsOf(group);
    return { target, after: rows.indexOf(dragged) < rows.indexOf(target) };
  }

  function makeDroppable(group, kind) {
    group.addEventListener("dragover", (event) => {
      const drop = dropTarget(group, event);
      if (!drop) {
        return;
      }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      clearDropMarks(group);
      if (drop.target !== dragged) {
        drop.target.classList.add(drop.after ? "writing-drop-after" : "writing-drop-before");
      }
    });
    group.addEventListener("dragleave", (event) => {
      if (!group.contains(event.relatedTarget)) {
        clearDropMarks(group);
      }
    });
    group.addEventListener("drop", (event) => {
      const drop = dropTarget(group, event);
      if (!drop) {
        return;
      }
      event.preventDefault(); // a text field under the pointer takes nothing
      clearDropMarks(group);
      const row = dragged;
      if (drop.target === row) {
        return;
      }
      if (drop.after) {
        drop.target.after(row);
      } else {
        drop.target.before(row);
      }
      moved(group, kind, row);
    });
  }

  // The rows in the order their numbers give: after a refused save, or autosaved numbers
  // put back, the form shows the order that was chosen.
  function sortByPosition(group) {
    const rows = rowsOf(group);
    const number = (row) => {
      const input = positionOf(row);
      const value = input ? parseInt(input.value, 10) : NaN;
      return Number.isNaN(value) ? Infinity : value;
    };
    const sorted = rows
      .map((row, index) => ({ row, index }))
      .sort((a, b) => number(a.row) - number(b.row) || a.index - b.index)
      .map(({ row }) => row);
    if (sorted.every((row, index) => row === rows[index])) {
      return false;
    }
    const anchor = rows[rows.length - 1].nextSibling;
    const parent = rows[0].parentNode;
    for (const row of sorted) {
      parent.insertBefore(row, anchor);
    }
    return true;
  }

  // Django reads a formset's first INITIAL_FORMS forms as saved rows (by their id). The
  // admin's inlines.js numbers the forms again in page order when an unsaved row is removed,
  // so a new row moved above a saved one would take a saved row's number: saved rows are
  // given the first numbers again, in page order, then the new ones.
  function reindex(group, prefix) {
    const rows = rowsOf(group);
    const ordered = rows.filter((row) => row.dataset.orderSaved).concat(rows.filter((row) => !row.dataset.orderSaved));
    const pattern = new RegExp(`(?<![A-Za-z0-9])${prefix}-(\\d+)(?=-|$)`);
    ordered.forEach((row, index) => {
      const replacement = `${prefix}-${index}`;
      for (const element of [row, ...row.querySelectorAll("*")]) {
        for (const attribute of ["id", "name", "for", "aria-describedby", "aria-labelledby", "aria-controls"]) {
          const value = element.getAttribute(attribute);
          if (value && pattern.test(value)) {
            const renamed = value.replace(pattern, replacement);
            if (renamed !== value) {
              element.setAttribute(attribute, renamed);
            }
          }
        }
      }
    });
  }

  function setUp(group, prefix, kind) {
    const total = document.getElementById(`id_${prefix}-INITIAL_FORMS`);
    const saved = total ? Number(total.value) : 0;
    for (const row of rowsOf(group)) {
      const found = new RegExp(`^${prefix}-(\\d+)$`).exec(row.id);
      if (found && Number(found[1]) < saved) {
        row.dataset.orderSaved = "1";
      }
    }
    if (!rowsOf(group).some(positionOf)) {
      return; // no order to keep here (a form that only shows)
    }
    group.classList.add("writing-ordered");
    sortByPosition(group);
    rowsOf(group).forEach((row) => addControls(group, kind, row));
    makeDroppable(group, kind);
    relabel(group, kind);

    // After the events of one change have all come (the autosave's restore sends one for
    // each field it fills): first the order the numbers give, if numbers were put in, then
    // the numbers again, so a new row written in gets its own.
    let pending = null;
    const later = (sort) => {
      if (pending) {
        pending.sort = pending.sort || sort;
        return;
      }
      pending = { sort };
      setTimeout(() => {
        const { sort: numbersCame } = pending;
        pending = null;
        if (numbersCame) {
          sortByPosition(group);
        }
        renumber(group);
        relabel(group, kind);
      }, 0);
    };
    const isPosition = (field) => /-position$/.test(field.name || "");
    group.addEventListener("change", (event) => later(isPosition(event.target)));
    group.addEventListener("input", (event) => {
      if (!isPosition(event.target)) {
        later(false);
      }
    });
    // A quote's expert is chosen in a select2 widget, whose change comes through jQuery.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(group).on("select2:select", () => later(false));
    }
  }

  function start() {
    const form = document.getElementById("brief_form");
    if (!form) {
      return;
    }
    live = document.createElement("div");
    live.className = "writing-visually-hidden";
    live.setAttribute("aria-live", "polite");
    live.id = "writing-order-status";
    form.append(live);
    for (const [prefix, kind] of Object.entries(GROUPS)) {
      const group = document.getElementById(`${prefix}-group`);
      if (group) {
        setUp(group, prefix, kind);
      }
    }
    document.addEventListener("formset:added", (event) => {
      const prefix = event.detail && event.detail.formsetName;
      const group = document.getElementById(`${prefix}-group`);
      if (!GROUPS[prefix] || !group || !group.classList.contains("writing-ordered")) {
        return;
      }
      addControls(group, GROUPS[prefix], event.target);
      renumber(group);
      relabel(group, GROUPS[prefix]);
    });
    document.addEventListener("formset:removed", (event) => {
      const prefix = event.detail && event.detail.formsetName;
      const group = document.getElementById(`${prefix}-group`);
      if (!GROUPS[prefix] || !group || !group.classList.contains("writing-ordered")) {
        return;
      }
      // After inlines.js has numbered the forms again (it does so once this event is sent).
      setTimeout(() => {
        reindex(group, prefix);
        renumber(group);
        relabel(group, GROUPS[prefix]);
      }, 0);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
