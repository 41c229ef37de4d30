// Writing tools for the brief's Markdown fields (latest developments, each quote's text, each
// section's body; common/markdown.py renders them): a toolbar above each (bold, italic, link,
// bulleted list, with Ctrl/Cmd+B, I and K), Word, Google Docs or web HTML pasted as Markdown
// (markdown_paste.js), and the length of the brief's text as words and reading time.
//
// Every edit goes through the browser's editing (execCommand "insertText": Ctrl+Z undoes it)
// or, where that is missing, setRangeText and an "input" event, so the autosave and the live
// preview see it as typing.
"use strict";

(function () {
  const MARKDOWN_FIELDS = [
    "textarea#id_latest_developments",
    "textarea[name^='quotes-'][name$='-text']",
    "textarea[name^='sections-'][name$='-body']",
  ].join(", ");
  // Counted: the text a reader reads under the title (not the summary, which lists show).
  const COUNTED_FIELDS = `${MARKDOWN_FIELDS}, input[name^='sections-'][name$='-heading']`;
  const WORDS_PER_MINUTE = 200;
  const COUNT_EVERY = 500;
  const MAC = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  const MOD = MAC ? "⌘" : "Ctrl+";
  let uniqueId = 0;

  function isMarkdownField(element) {
    return (
      element instanceof HTMLTextAreaElement &&
      !element.name.includes("__prefix__") &&
      !element.closest(".empty-form") &&
      element.matches(MARKDOWN_FIELDS)
    );
  }

  // Editing ---------------------------------------------------------------------------

  /** Replace [start, end) of the field with `text`, then select [selectStart, selectEnd). */
  function replace(field, start, end, text, selectStart, selectEnd) {
    const expected = field.value.slice(0, start) + text + field.value.slice(end);
    field.focus();
    field.setSelectionRange(start, end);
    let done = false;
    try {
      // Keeps the browser's undo history; fires "input" itself.
      done = text
        ? document.execCommand("insertText", false, text)
        : start === end || document.execCommand("delete");
    } catch (error) {
      done = false;
    }
    if (!done || field.value !== expected) {
      field.value = expected;
      field.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertText", data: text }));
    }
    field.setSelectionRange(selectStart, selectEnd);
  }

  function lineStartOf(value, index) {
    return value.lastIndexOf("\n", index - 1) + 1;
  }

  // A line's list, quote or heading marker stays outside bold and italic.
  const LINE_MARKER = /^(\s*(?:[-+*]\s+|\d{1,9}[.)]\s+|>\s*|#{1,6}\s+)?)/;

  function runLength(value, index, character, step) {
    let length = 0;
    for (let at = step < 0 ? index - 1 : index; value[at] === character; at += step) {
      length += 1;
    }
    return length;
  }

  /** Bold (**) or italic (_, or * inside a word): wrap the selection, or unwrap it. */
  function emphasise(field, kind) {
    const { value } = field;
    let start = field.selectionStart;
    let end = field.selectionEnd;
    const size = kind === "bold" ? 2 : 1;
    if (start === end) {
      // A caret inside a word stands for the word.
      while (start > 0 && /[\p{L}\p{N}'’]/u.test(value[start - 1])) {
        start -= 1;
      }
      while (end < value.length && /[\p{L}\p{N}'’]/u.test(value[end])) {
        end += 1;
      }
    }
    // Already marked just outside the selection: take the marks away.
    for (const character of kind === "bold" ? ["*", "_"] : ["_", "*"]) {
      const before = runLength(value, start, character, -1);
      const after = runLength(value, end, character, 1);
      const marked = kind === "bold" ? before >= 2 && after >= 2 : before % 2 === 1 && after % 2 === 1;
      if (before === after && marked) {
        const inner = value.slice(start, end);
        replace(field, start - size, end + size, inner, start - size, end - size);
        return;
      }
    }
    // Marked inside the selection ("**word**" selected): the same.
    const selected = value.slice(start, end);
    const inside = kind === "bold" ? /^(\*\*|__)([^]+)\1$/ : /^([_*])(?!\1)([^]+?)\1$/;
    const found = inside.exec(selected);
    if (found && !(kind === "italic" && found[2].endsWith(found[1]))) {
      replace(field, start, end, found[2], start, start + found[2].length);
      return;
    }
    const wordBefore = start > 0 && /[\p{L}\p{N}]/u.test(value[start - 1]);
    const wordAfter = end < value.length && /[\p{L}\p{N}]/u.test(value[end]);
    const mark = kind === "bold" ? "**" : wordBefore || wordAfter ? "*" : "_";
    if (start === end) {
      // Between words: the marks, and the caret between them to type.
      replace(field, start, end, mark + mark, start + mark.length, start + mark.length);
      return;
    }
    // Each line on its own (emphasis does not cross lines), spaces outside the marks.
    const atLineStart = lineStartOf(value, start) === start;
    const lines = value.slice(start, end).split("\n").map((line, index) => {
      const prefix = index > 0 || atLineStart ? LINE_MARKER.exec(line)[1] : "";
      const [, before, words, after] = /^(\s*)([^]*?)(\s*)$/.exec(line.slice(prefix.length));
      return {
        text: words ? `${prefix}${before}${mark}${words}${mark}${after}` : line,
        wordsAt: prefix.length + before.length + mark.length,
        words,
      };
    });
    const text = lines.map((line) => line.text).join("\n");
    if (lines.length === 1 && lines[0].words) {
      // The words stay selected, so the same button takes the marks away again.
      const wordsStart = start + lines[0].wordsAt;
      replace(field, start, end, text, wordsStart, wordsStart + lines[0].words.length);
    } else {
      replace(field, start, end, text, start, start + text.length);
    }
  }

  /** "- " before each selected line, or taken away when every one has it. */
  function bulletList(field) {
    const { value } = field;
    const start = lineStartOf(value, field.selectionStart);
    let end = field.selectionEnd;
    if (end > field.selectionStart && value[end - 1] === "\n") {
      end -= 1; // a selection of whole lines ends after their last line break
    }
    const lineEnd = value.indexOf("\n", end);
    end = lineEnd === -1 ? value.length : lineEnd;
    const lines = value.slice(start, end).split("\n");
    const written = lines.filter((line) => line.trim());
    const bullet = /^(\s*)[-+*]\s+/;
    let text;
    if (written.length && written.every((line) => bullet.test(line))) {
      text = lines.map((line) => line.replace(bullet, "$1")).join("\n");
    } else if (!written.length) {
      text = `${lines.join("\n")}- `;
      replace(field, start, end, text, start + text.length, start + text.length);
      return;
    } else {
      text = lines
        .map((line) => (line.trim() ? line.replace(/^(\s*)(?:[-+*]\s+|\d{1,9}[.)]\s+)?/, "$1- ") : line))
        .join("\n");
    }
    replace(field, start, end, text, lines.length === 1 ? start + text.length : start, start + text.length);
  }

  function encodeAddress(address) {
    return address.replace(/[\s()<>]/g, (character) =>
      `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  }

  /** The address typed for a link, made whole: an http(s) or mailto address, or an error. */
  function linkAddress(typed) {
    let address = typed.trim();
    if (!address) {
      return { error: "Type the address the link goes to." };
    }
    if (/^[^\s@/:]+@[^\s@/:]+\.[^\s@/:]+$/.test(address)) {
      address = `mailto:${address}`;
    } else if (/^(www\.|[\w-]+(\.[\w-]+)+(:\d+)?(\/|\?|#|$))/i.test(address)) {
      address = `https://${address}`;
    }
    if (address.startsWith("/") && !address.startsWith("//")) {
      return { address: encodeAddress(address) }; // one of our pages
    }
    const safe = window.BriefsMarkdownPaste && window.BriefsMarkdownPaste.safeHref(address);
    if (!safe) {
      return { error: "Use a web address (https://…), an email address, or mailto:…" };
    }
    return { address: safe };
  }

  function insertLink(field, start, end, address) {
    const selected = field.value.slice(start, end);
    const shown = selected.trim() ? selected : "link text";
    const text = `[${shown.replace(/([[\]\\])/g, "\\$1")}](${address})`;
    if (selected.trim()) {
      replace(field, start, end, text, start + text.length, start + text.length);
    } else {
      // The words of the link are selected, to type over.
      replace(field, start, end, text, start + 1, start + 1 + shown.length);
    }
  }

  // The toolbar ----------------------------------------------------------------------

  const TOOLS = [
    { name: "bold", label: "Bold", key: "b", run: (field) => emphasise(field, "bold") },
    { name: "italic", label: "Italic", key: "i", run: (field) => emphasise(field, "italic") },
    { name: "link", label: "Link", key: "k", run: (field) => openLinkForm(field) },
    { name: "list", label: "Bulleted list", key: null, run: (field) => bulletList(field) },
  ];

  function labelOf(field) {
    const label = field.id && document.querySelector(`label[for="${field.id}"]`);
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "Text";
  }

  function addToolbar(field) {
    if (field.dataset.writingTools) {
      return;
    }
    field.dataset.writingTools = "1";
    const editor = document.createElement("div");
    editor.className = "writing-editor";
    field.before(editor);
    const toolbar = document.createElement("div");
    toolbar.className = "writing-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", `Formatting: ${labelOf(field)}`);
    toolbar.setAttribute("aria-controls", field.id);
    TOOLS.forEach((tool, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `writing-tool writing-tool-${tool.name}`;
      button.dataset.tool = tool.name;
      button.tabIndex = index === 0 ? 0 : -1;
      button.textContent = tool.label;
      if (tool.key) {
        button.title = `${tool.label} (${MOD}${tool.key.toUpperCase()})`;
        button.setAttribute("aria-keyshortcuts", `Control+${tool.key.toUpperCase()} Meta+${tool.key.toUpperCase()}`);
      } else {
        button.title = `${tool.label}: "- " at the start of each selected line`;
      }
      toolbar.append(button);
    });
    editor.append(toolbar, field);
    toolbar.addEventListener("mousedown", (event) => {
      // The text keeps its focus and selection while a button is clicked.
      if (event.target.closest("button")) {
        event.preventDefault();
      }
    });
    toolbar.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-tool]");
      if (button) {
        TOOLS.find((tool) => tool.name === button.dataset.tool).run(field);
      }
    });
    toolbar.addEventListener("keydown", (event) => {
      // One stop in the tab order; the arrow keys move between the buttons.
      const buttons = Array.from(toolbar.querySelectorAll("button"));
      const at = buttons.indexOf(document.activeElement);
      const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[event.key];
      if (at === -1 || to === undefined) {
        return;
      }
      event.preventDefault();
      const next = buttons[(to + buttons.length) % buttons.length];
      buttons.forEach((button) => { button.tabIndex = button === next ? 0 : -1; });
      next.focus();
    });
  }

  // The link's address: a small form under the toolbar, not a dialog of the browser's.
  function openLinkForm(field) {
    const editor = field.closest(".writing-editor");
    let panel = editor.querySelector(".writing-link");
    if (!panel) {
      panel = makeLinkForm(editor, field);
    }
    const start = field.selectionStart;
    const end = field.selectionEnd;
    panel.dataset.start = start;
    panel.dataset.end = end;
    const input = panel.querySelector("input");
    const selected = field.value.slice(start, end).trim();
    input.value = /^(https?:\/\/|mailto:|www\.)\S+$/i.test(selected) ? selected : "";
    showError(panel, "");
    panel.hidden = false;
    input.focus();
    input.select();
  }

  function makeLinkForm(editor, field) {
    uniqueId += 1;
    const panel = document.createElement("div");
    panel.className = "writing-link";
    panel.setAttribute("role", "group");
    panel.setAttribute("aria-label", "Add a link");
    panel.hidden = true;
    const label = document.createElement("label");
    label.htmlFor = `writing-link-${uniqueId}`;
    label.textContent = "Link address";
    const input = document.createElement("input");
    // type=text: a half-typed address must not stop the brief's form from being sent.
    input.type = "text";
    input.id = label.htmlFor;
    input.inputMode = "url";
    input.autocomplete = "url";
    input.spellcheck = false;
    input.placeholder = "https://";
    input.className = "writing-link-address";
    input.setAttribute("aria-describedby", `writing-link-${uniqueId}-error`);
    const add = document.createElement("button");
    add.type = "button";
    add.className = "button writing-link-add";
    add.textContent = "Add link";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button writing-link-cancel";
    cancel.textContent = "Cancel";
    const error = document.createElement("p");
    error.className = "writing-link-error";
    error.id = `writing-link-${uniqueId}-error`;
    error.setAttribute("aria-live", "assertive");
    panel.append(label, input, add, cancel, error);
    editor.querySelector(".writing-toolbar").after(panel);

    const close = (start, end) => {
      panel.hidden = true;
      field.focus();
      field.setSelectionRange(start, end);
    };
    const apply = () => {
      const { address, error: problem } = linkAddress(input.value);
      if (problem) {
        showError(panel, problem);
        input.focus();
        return;
      }
      panel.hidden = true;
      insertLink(field, Number(panel.dataset.start), Number(panel.dataset.end), address);
    };
    add.addEventListener("click", apply);
    cancel.addEventListener("click", () => close(Number(panel.dataset.start), Number(panel.dataset.end)));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault(); // not the brief's form
        apply();
      } else if (event.key === "Escape") {
        event.preventDefault();
        close(Number(panel.dataset.start), Number(panel.dataset.end));
      }
    });
    // Typing an address changes nothing of the brief: the autosave and preview need not know.
    input.addEventListener("input", (event) => event.stopPropagation());
    input.addEventListener("change", (event) => event.stopPropagation());
    return panel;
  }

  function showError(panel, message) {
    const error = panel.querySelector(".writing-link-error");
    error.textContent = message;
    error.hidden = !message;
    panel.querySelector("input").setAttribute("aria-invalid", message ? "true" : "false");
  }

  // Pasting ---------------------------------------------------------------------------

  function paste(event) {
    const field = event.target;
    const data = event.clipboardData;
    const html = data && data.getData("text/html");
    const converter = window.BriefsMarkdownPaste;
    if (!html || !converter || (converter.isCode(html) && data.getData("text/plain"))) {
      return; // plain text, or code and Markdown from an editor: the browser pastes the text
    }
    const markdown = converter.htmlToMarkdown(html);
    if (!markdown.trim()) {
      return; // nothing kept (a picture alone): the browser pastes the text, if any
    }
    event.preventDefault();
    const start = field.selectionStart;
    const end = field.selectionEnd;
    replace(field, start, end, markdown, start + markdown.length, start + markdown.length);
  }

  // Length ----------------------------------------------------------------------------

  function countWords(text) {
    const plain = text
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1") // a link counts its words, not its address
      .replace(/<[^>\s]+>/g, " ")
      .replace(/^\s*\d{1,9}[.)]\s/gm, " ");
    const words = plain.match(/[\p{L}\p{N}]+(?:['’.,\-][\p{L}\p{N}]+)*/gu);
    return words ? words.length : 0;
  }

  function lengthText(words) {
    if (!words) {
      return "No words yet";
    }
    const minutes = Math.max(1, Math.round(words / WORDS_PER_MINUTE));
    const count = words.toLocaleString("en-US");
    return `${count} ${words === 1 ? "word" : "words"} · about ${minutes} ${minutes === 1 ? "minute" : "minutes"} to read`;
  }

  function countedText(form) {
    return Array.from(form.querySelectorAll(COUNTED_FIELDS))
      .filter((field) => {
        if (field.name.includes("__prefix__") || field.closest(".empty-form")) {
          return false;
        }
        const row = field.closest(".inline-related");
        const remove = row && row.querySelector("input[type=checkbox][name$='-DELETE']");
        return !(remove && remove.checked);
      })
      .map((field) => field.value)
      .join("\n\n");
  }

  function addLength(form) {
    const status = document.createElement("p");
    status.className = "writing-length";
    status.id = "writing-length";
    const label = document.createElement("span");
    label.className = "writing-length-label";
    label.textContent = "Latest developments, quotes and sections: ";
    const value = document.createElement("span");
    value.className = "writing-length-value";
    // Read out when it changes, politely: at most every COUNT_EVERY ms, and only when the
    // words or minutes changed.
    value.setAttribute("role", "status");
    value.setAttribute("aria-live", "polite");
    value.setAttribute("aria-atomic", "true");
    value.textContent = lengthText(countWords(countedText(form)));
    status.append(label, value);
    const after =
      document.getElementById("sections-group") ||
      document.getElementById("quotes-group") ||
      document.querySelector(".field-latest_developments");
    if (!after) {
      return;
    }
    after.after(status);
    let timer = null;
    const update = () => {
      timer = null;
      const text = lengthText(countWords(countedText(form)));
      if (value.textContent !== text) {
        value.textContent = text;
      }
    };
    const later = () => {
      if (timer === null) {
        timer = setTimeout(update, COUNT_EVERY);
      }
    };
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    document.addEventListener("formset:added", later);
    document.addEventListener("formset:removed", later);
  }

  // Wiring ----------------------------------------------------------------------------

  function start() {
    const form = document.getElementById("brief_form");
    if (!form) {
      return;
    }
    form.querySelectorAll(MARKDOWN_FIELDS).forEach((field) => {
      if (isMarkdownField(field)) {
        addToolbar(field);
      }
    });
    document.addEventListener("formset:added", (event) => {
      event.target.querySelectorAll(MARKDOWN_FIELDS).forEach((field) => {
        if (isMarkdownField(field)) {
          addToolbar(field);
        }
      });
    });
    form.addEventListener("keydown", (event) => {
      if (!isMarkdownField(event.target) || event.altKey || event.shiftKey) {
        return;
      }
      if (!(MAC ? event.metaKey : event.ctrlKey)) {
        return;
      }
      const tool = TOOLS.find((candidate) => candidate.key && candidate.key === event.key.toLowerCase());
      if (tool) {
        event.preventDefault();
        tool.run(event.target);
      }
    });
    form.addEventListener("paste", (event) => {
      if (isMarkdownField(event.target)) {
        paste(event);
      }
    });
    addLength(form);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  window.BriefsWriting = { countWords, lengthText };
})();
