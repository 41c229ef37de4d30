// HTML from the clipboard (Word, Google Docs, LibreOffice, a web page) made into the Markdown
// the brief's text fields hold (common/markdown.py: CommonMark, then an allow-list). Kept:
// paragraphs, line breaks, bold, italic, links to http, https and mailto addresses, and
// bulleted and numbered lists (Word's own list paragraphs too). Everything else is dropped,
// keeping its text: styles, classes, headings, tables, quotes; images, scripts, styles and
// comments go with their content.
//
// htmlToMarkdown(html) is a pure function: the HTML is parsed into an inert document
// (DOMParser: nothing in it runs or loads) and only read. writing.js calls it on paste; the
// browser tests call it through window.BriefsMarkdownPaste.
"use strict";

(function (root) {
  // Dropped with everything inside.
  const DROPPED = new Set([
    "script", "style", "head", "title", "meta", "link", "template", "noscript", "iframe",
    "object", "embed", "svg", "math", "img", "picture", "video", "audio", "canvas", "map",
    "button", "input", "select", "textarea", "option", "o:p", "xml",
  ]);
  // Each starts a new paragraph; their text is kept, their kind is not.
  const BLOCKS = new Set([
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "address", "article",
    "section", "header", "footer", "main", "aside", "nav", "figure", "figcaption", "dl", "dt",
    "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "hr", "center",
    "form", "fieldset", "legend", "details", "summary", "li", "body", "html",
  ]);
  const WORD_CHARACTER = /[\p{L}\p{N}]/u;
  const SIGN = /[\p{P}\p{S}]/u;

  function styleOf(element, property) {
    // The declaration itself, not a longer one ending in it (Word's mso-bidi-font-weight).
    const style = element.getAttribute("style") || "";
    const found = new RegExp(`(?:^|;)\\s*${property}\\s*:\\s*([^;]+)`, "i").exec(style);
    return found ? found[1].replace(/!important/i, "").trim().toLowerCase() : "";
  }

  // Only addresses a reader can follow safely; the renderer allows no other scheme either.
  function safeHref(raw) {
    const value = (raw || "").trim();
    if (!/^(https?:\/\/|mailto:)/i.test(value)) {
      return null;
    }
    let url;
    try {
      url = new URL(value);
    } catch (error) {
      return null;
    }
    if (!["http:", "https:", "mailto:"].includes(url.protocol)) {
      return null;
    }
    // Google's redirect around links copied out of some of its pages: the address itself.
    if (/^(www\.)?google\.[a-z.]+$/.test(url.hostname) && url.pathname === "/url") {
      const target = url.searchParams.get("q") || url.searchParams.get("url");
      if (target && target !== value) {
        return safeHref(target);
      }
    }
    const href = url.protocol === "mailto:" ? value : url.href;
    // Characters that would end or break a Markdown link destination.
    return href.replace(/[\s()<>]/g, (character) =>
      `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  }

  function formatOf(element, outer) {
    const name = element.localName;
    let { bold, italic, href } = outer;
    if (name === "b" || name === "strong") {
      bold = true;
    } else if (name === "i" || name === "em") {
      italic = true;
    } else if (name === "a") {
      href = safeHref(element.getAttribute("href"));
    }
    // Google Docs says what it means in styles (a <b> wrapper with font-weight:normal, spans
    // with font-weight:700), and a style wins over the tag.
    const weight = styleOf(element, "font-weight");
    if (weight === "bold" || weight === "bolder") {
      bold = true;
    } else if (weight === "normal" || weight === "lighter") {
      bold = false;
    } else if (/^\d+$/.test(weight)) {
      bold = Number(weight) >= 600;
    }
    const style = styleOf(element, "font-style");
    if (style) {
      italic = style === "italic" || style.startsWith("oblique");
    }
    return { bold, italic, href };
  }

  // Word's list paragraphs: <p style="mso-list:l0 level1 lfo1"> with the bullet or number
  // in a span styled mso-list:Ignore.
  function wordListLevel(element) {
    const found = /(?:^|;)\s*mso-list\s*:\s*l\d+\s+level(\d+)/i.exec(element.getAttribute("style") || "");
    return found ? Number(found[1]) - 1 : -1;
  }

  function wordListMarker(element) {
    for (const span of element.querySelectorAll("[style]")) {
      if (styleOf(span, "mso-list") === "ignore") {
        return span.textContent.replace(/[\s\u00a0]+/g, "");
      }
    }
    return "";
  }

  // What a block holds while it is read: inline runs ({text, bold, italic, href} or
  // {br: true}), made into paragraphs and lists.
  class Reader {
    constructor(depth) {
      this.depth = depth;
      this.blocks = [];
      this.runs = [];
    }

    text(text, format) {
      this.runs.push({ text, ...format });
    }

    lineBreak() {
      const last = this.runs.findLast((run) => run.br || (run.text && run.text.trim()));
      if (!last) {
        return; // nothing written yet on this line of text
      }
      if (last.br) {
        // Two breaks in a row are how some editors end a paragraph.
        this.runs.splice(this.runs.lastIndexOf(last));
        this.flush();
        return;
      }
      this.runs.push({ br: true });
    }

    flush() {
      if (this.runs.some((run) => run.text && run.text.trim())) {
        this.blocks.push({ type: "paragraph", runs: this.runs });
      }
      this.runs = [];
    }

    list(items, fromWord) {
      this.flush();
      const last = this.blocks[this.blocks.length - 1];
      if (fromWord && last && last.type === "list" && last.fromWord) {
        last.items.push(...items);
      } else {
        this.blocks.push({ type: "list", items, fromWord });
      }
    }
  }

  function read(node, format, reader) {
    if (node.nodeType === Node.TEXT_NODE) {
      reader.text(node.data, format);
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) {
      return; // comments (Word's conditional ones too), processing instructions
    }
    const name = node.localName.toLowerCase();
    if (DROPPED.has(name) || name.startsWith("v:") || name.startsWith("w:")) {
      return;
    }
    if (styleOf(node, "display") === "none" || styleOf(node, "mso-list") === "ignore") {
      return;
    }
    if (name === "br") {
      reader.lineBreak();
      return;
    }
    const inner = formatOf(node, format);
    if (name === "ul" || name === "ol") {
      reader.list(readList(node, inner, reader.depth), false);
      return;
    }
    const level = wordListLevel(node);
    if (level >= 0) {
      const marker = wordListMarker(node);
      const item = new Reader(reader.depth + level + 1);
      for (const child of node.childNodes) {
        read(child, inner, item);
      }
      item.flush();
      const ordered = /^\(?([0-9]+|[a-z]|[ivxlcdm]+)[.)]$/i.test(marker);
      reader.list(itemsOf(item, reader.depth + level, ordered), true);
      return;
    }
    const block = BLOCKS.has(name);
    if (block) {
      reader.flush();
    }
    if (name === "pre") {
      readPreformatted(node, inner, reader);
    } else {
      for (const child of node.childNodes) {
        read(child, inner, reader);
      }
    }
    if (block) {
      reader.flush();
    }
  }

  function readPreformatted(node, format, reader) {
    const lines = node.textContent.split(/\r\n|\r|\n/);
    lines.forEach((line, index) => {
      if (index) {
        reader.lineBreak();
      }
      reader.text(line, format);
    });
  }

  // A list's items, flat: each {level, ordered, paragraphs}, nested lists after their item.
  function readList(list, format, depth) {
    const ordered = list.localName === "ol";
    const items = [];
    for (const child of list.childNodes) {
      if (child.nodeType === Node.TEXT_NODE && !child.data.trim()) {
        continue;
      }
      const item = new Reader(depth + 1);
      if (child.nodeType === Node.ELEMENT_NODE && child.localName === "li") {
        const inner = formatOf(child, format);
        for (const grandchild of child.childNodes) {
          read(grandchild, inner, item);
        }
      } else {
        read(child, format, item);
      }
      item.flush();
      items.push(...itemsOf(item, depth, ordered));
    }
    return items;
  }

  function itemsOf(reader, level, ordered) {
    const items = [];
    let current = null;
    for (const block of reader.blocks) {
      if (block.type === "list") {
        items.push(...block.items);
        current = null;
      } else if (current) {
        current.paragraphs.push(block.runs);
      } else {
        current = { level, ordered, paragraphs: [block.runs] };
        items.push(current);
      }
    }
    return items;
  }

  // Runs into Markdown text --------------------------------------------------------------

  function cleanRuns(runs) {
    // HTML's white space: runs of it are one space (a no-break space too, as Word writes
    // its spaces), none at the start or end of a line.
    const out = [];
    let atLineStart = true;
    for (const run of runs) {
      if (run.br) {
        trimEnd(out);
        if (out.length) {
          out.push(run);
        }
        atLineStart = true;
        continue;
      }
      let text = run.text.replace(/[\u200b\ufeff]/g, "").replace(/[\s\u00a0]+/g, " ");
      if (atLineStart || endsWithSpace(out)) {
        text = text.replace(/^ /, "");
      }
      if (text) {
        out.push({ ...run, text });
        atLineStart = false;
      }
    }
    trimEnd(out);
    return out;
  }

  function endsWithSpace(runs) {
    const last = runs[runs.length - 1];
    return Boolean(last && last.text && last.text.endsWith(" "));
  }

  function trimEnd(runs) {
    while (runs.length) {
      const last = runs[runs.length - 1];
      if (last.br) {
        runs.pop();
        continue;
      }
      last.text = last.text.replace(/ +$/, "");
      if (last.text) {
        return;
      }
      runs.pop();
    }
  }

  function escapeRuns(runs) {
    // Each character is escaped or not by what is around it in the whole line, across runs.
    const flat = runs.map((run) => (run.br ? "\n" : run.text)).join("");
    let offset = 0;
    return runs.map((run) => {
      if (run.br) {
        offset += 1;
        return run;
      }
      const start = offset;
      offset += run.text.length;
      return { ...run, text: escapeText(flat, start, offset, Boolean(run.href)) };
    });
  }

  function escapeText(flat, start, end, inLink) {
    let out = "";
    for (let index = start; index < end; index += 1) {
      const character = flat[index];
      const before = index > 0 ? flat[index - 1] : "\n";
      const after = index + 1 < flat.length ? flat[index + 1] : "\n";
      const lineStart = before === "\n";
      let escape = false;
      if (character === "\\" || character === "`") {
        escape = true;
      } else if (character === "*" || character === "_") {
        // Emphasis needs a delimiter touching a word; an underscore inside a word never is.
        const spaced = /\s/.test(before) && /\s/.test(after);
        const inWord = character === "_" && WORD_CHARACTER.test(before) && WORD_CHARACTER.test(after);
        escape = !spaced && !inWord;
        escape = escape || (lineStart && character === "*");
      } else if (character === "[" || character === "]") {
        escape = inLink || (character === "]" && /[([:]/.test(after));
      } else if (character === "<") {
        escape = /[a-z/!?]/i.test(after);
      } else if (character === "&") {
        escape = /^&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i.test(flat.slice(index, index + 12));
      } else if (lineStart && /[#>+\-=~]/.test(character)) {
        // What would start a heading, quote, list item, rule or fence at the start of a line.
        const follows = { "#": /[\s#]/, ">": /./s, "+": /\s/, "-": /[\s-]/, "=": /[\s=]/, "~": /~/ };
        escape = follows[character].test(after);
      }
      if (lineStart && /\d/.test(character)) {
        // "1. " or "1) " at the start of a line would make a numbered list.
        const number = /^(\d{1,9})([.)])(?=\s|$)/.exec(flat.slice(index, end));
        if (number) {
          out += `${number[1]}\\${number[2]}`;
          index += number[0].length - 1;
          continue;
        }
      }
      out += escape ? `\\${character}` : character;
    }
    return out;
  }

  // Markers opened and closed as the formatting changes, outermost first: link, bold, italic.
  function tokensOf(runs) {
    const tokens = [];
    const open = { href: null, bold: false, italic: false };
    const close = (kind) => {
      if (kind === "italic" && open.italic) {
        tokens.push({ kind: "italic", close: true });
        open.italic = false;
      } else if (kind === "bold" && open.bold) {
        tokens.push({ kind: "bold", close: true });
        open.bold = false;
      } else if (kind === "link" && open.href) {
        tokens.push({ kind: "link", close: true, href: open.href });
        open.href = null;
      }
    };
    const closeAll = () => ["italic", "bold", "link"].forEach(close);
    for (const run of runs) {
      if (run.br) {
        closeAll();
        tokens.push({ kind: "br" });
        continue;
      }
      const href = run.href || null;
      if (href !== open.href) {
        closeAll();
      } else if (run.bold !== open.bold) {
        close("italic");
        close("bold");
      } else if (run.italic !== open.italic) {
        close("italic");
      }
      if (href && !open.href) {
        tokens.push({ kind: "link", href });
        open.href = href;
      }
      if (run.bold && !open.bold) {
        tokens.push({ kind: "bold" });
        open.bold = true;
      }
      if (run.italic && !open.italic) {
        tokens.push({ kind: "italic" });
        open.italic = true;
      }
      tokens.push({ kind: "text", text: run.text });
    }
    closeAll();
    return settle(tokens);
  }

  // Spaces go outside markers ("**bold** text", never "**bold **text", which is not bold),
  // and markers around nothing go.
  function settle(tokens) {
    let changed = true;
    while (changed) {
      changed = false;
      for (let index = 0; index < tokens.length; index += 1) {
        const token = tokens[index];
        const next = tokens[index + 1];
        const previous = tokens[index - 1];
        if (token.kind === "text" && !token.text) {
          tokens.splice(index, 1);
          changed = true;
          break;
        }
        if (isMarker(token) && !token.close && next && isMarker(next) && next.close && next.kind === token.kind) {
          tokens.splice(index, 2);
          changed = true;
          break;
        }
        if (isMarker(token) && !token.close && next && next.kind === "text" && next.text.startsWith(" ")) {
          next.text = next.text.slice(1);
          tokens.splice(index, 0, { kind: "text", text: " " });
          changed = true;
          break;
        }
        if (isMarker(token) && token.close && previous && previous.kind === "text" && previous.text.endsWith(" ")) {
          previous.text = previous.text.slice(0, -1);
          tokens.splice(index + 1, 0, { kind: "text", text: " " });
          changed = true;
          break;
        }
        // "**Note:**next" is not bold (a closing ** after punctuation needs no letter after
        // it): the punctuation goes outside, "**Note**:next". The same for an opening one.
        if (emphasis(token) && token.close && previous && previous.kind === "text" &&
            SIGN.test(previous.text.slice(-1)) && WORD_CHARACTER.test(charAfter(tokens, index))) {
          const sign = previous.text.slice(-1);
          previous.text = previous.text.slice(0, -1);
          tokens.splice(index + 1, 0, { kind: "text", text: sign });
          changed = true;
          break;
        }
        if (emphasis(token) && !token.close && next && next.kind === "text" &&
            SIGN.test(next.text.charAt(0)) && WORD_CHARACTER.test(charBefore(tokens, index))) {
          const sign = next.text.charAt(0);
          next.text = next.text.slice(1);
          tokens.splice(index, 0, { kind: "text", text: sign });
          changed = true;
          break;
        }
      }
    }
    // Two spaces side by side once moved: one.
    for (let index = tokens.length - 1; index >= 0; index -= 1) {
      const token = tokens[index];
      if (token.kind === "text" && token.text === " ") {
        const before = neighbourText(tokens, index, -1);
        const after = neighbourText(tokens, index, 1);
        if (before === null || before.endsWith(" ") || after === null || after.startsWith(" ")) {
          tokens.splice(index, 1);
        }
      }
    }
    return tokens;
  }

  function emphasis(token) {
    return token.kind === "bold" || token.kind === "italic";
  }

  function isMarker(token) {
    return token.kind === "bold" || token.kind === "italic" || token.kind === "link";
  }

  function neighbourText(tokens, index, step) {
    for (let at = index + step; at >= 0 && at < tokens.length; at += step) {
      if (tokens[at].kind === "text") {
        return tokens[at].text;
      }
      if (tokens[at].kind === "br") {
        return null;
      }
    }
    return null;
  }

  function renderTokens(tokens) {
    // Italic is _text_, or *text* where it touches a letter outside it (CommonMark ignores
    // an underscore inside a word).
    const italicMark = new Map();
    const stack = [];
    tokens.forEach((token, index) => {
      if (token.kind !== "italic") {
        return;
      }
      if (!token.close) {
        stack.push(index);
        return;
      }
      const opened = stack.pop();
      const before = charBefore(tokens, opened);
      const after = charAfter(tokens, index);
      const mark = WORD_CHARACTER.test(before) || WORD_CHARACTER.test(after) ? "*" : "_";
      italicMark.set(opened, mark);
      italicMark.set(index, mark);
    });
    let out = "";
    tokens.forEach((token, index) => {
      if (token.kind === "text") {
        out += token.text;
      } else if (token.kind === "br") {
        out += "\\\n";
      } else if (token.kind === "bold") {
        out += "**";
      } else if (token.kind === "italic") {
        out += italicMark.get(index) || "_";
      } else if (token.kind === "link") {
        out += token.close ? `](${token.href})` : "[";
      }
    });
    return out;
  }

  function charBefore(tokens, index) {
    const token = tokens[index - 1];
    return token && token.kind === "text" ? token.text.slice(-1) : "";
  }

  function charAfter(tokens, index) {
    const token = tokens[index + 1];
    return token && token.kind === "text" ? token.text.charAt(0) : "";
  }

  function inline(runs) {
    const cleaned = cleanRuns(runs);
    return renderTokens(tokensOf(escapeRuns(cleaned)));
  }

  function renderList(items) {
    const lines = [];
    const columns = []; // where each level's text starts
    const numbers = [];
    let previousLevel = -1;
    for (const item of items) {
      const paragraphs = item.paragraphs.map(inline).filter((text) => text.trim());
      if (!paragraphs.length) {
        continue;
      }
      const level = Math.min(item.level, columns.length);
      columns.length = level;
      if (level > previousLevel || numbers[level] === undefined || numbers[level].ordered !== item.ordered) {
        numbers[level] = { ordered: item.ordered, next: 1 };
      }
      numbers.length = level + 1;
      previousLevel = level;
      const indent = level ? columns[level - 1] : 0;
      const marker = item.ordered ? `${numbers[level].next}.` : "-";
      numbers[level].next += 1;
      const column = indent + marker.length + 1;
      columns[level] = column;
      const pad = " ".repeat(column);
      const text = paragraphs
        .map((paragraph) => paragraph.replace(/\n/g, `\n${pad}`))
        .join(`\n\n${pad}`);
      lines.push(`${" ".repeat(indent)}${marker} ${text}`);
    }
    return lines.join("\n");
  }

  function htmlToMarkdown(html) {
    const document = new DOMParser().parseFromString(String(html || ""), "text/html");
    const reader = new Reader(0);
    read(document.body, { bold: false, italic: false, href: null }, reader);
    reader.flush();
    return reader.blocks
      .map((block) => (block.type === "list" ? renderList(block.items) : inline(block.runs)))
      .filter((text) => text.trim())
      .join("\n\n");
  }

  // A code editor's copy (VS Code: a monospace <div> with white-space:pre, a line to a
  // <div>) or a code block is text to paste as it is: Markdown written elsewhere keeps its
  // own marks and lines.
  function isCode(html) {
    const document = new DOMParser().parseFromString(String(html || ""), "text/html");
    const body = document.body;
    const text = body.textContent.trim();
    if (!text) {
      return false;
    }
    const pre = body.querySelector("pre");
    if (pre && pre.textContent.trim() === text) {
      return true;
    }
    return Array.from(body.querySelectorAll("div[style]")).some(
      (div) =>
        /^pre/.test(styleOf(div, "white-space")) &&
        /monospace|courier|consolas|menlo|monaco/.test(styleOf(div, "font-family")) &&
        div.textContent.trim() === text,
    );
  }

  root.BriefsMarkdownPaste = { htmlToMarkdown, isCode, safeHref };
})(typeof window !== "undefined" ? window : globalThis);
