"""Reading pages as a browser would: visible text, elements, and the fields of a form."""

from html.parser import HTMLParser


class _Page(HTMLParser):
    SKIP = {"script", "style", "template"}
    # Elements that start a new line on screen: their edges separate words.
    BLOCKS = {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
        "nav", "ol", "p", "section", "table", "td", "th", "tr", "ul", "title",
    }  # fmt: skip

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text = []
        self.elements = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in self.SKIP:
            self._skipping += 1
        if tag in self.BLOCKS:
            self.text.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1
        if tag in self.BLOCKS:
            self.text.append(" ")

    def handle_data(self, data):
        if not self._skipping:
            self.text.append(data)


def parse(response_or_html):
    html = getattr(response_or_html, "content", response_or_html)
    if isinstance(html, bytes):
        html = html.decode()
    page = _Page()
    page.feed(html)
    return page


def visible_text(response_or_html):
    """The page's text with whitespace squashed, as a reader sees it."""
    return " ".join("".join(parse(response_or_html).text).split())


def elements(response_or_html, tag):
    return [attrs for name, attrs in parse(response_or_html).elements if name == tag]


class _Form(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data = {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "name" not in attrs and tag not in {"option"}:
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.data.setdefault(attrs["name"], []).append(
                attrs.get("value", "on" if kind == "checkbox" else "")
            )
        elif tag == "select":
            self._select = attrs["name"]
            self.data.setdefault(self._select, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select].append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.data[self._textarea] = [""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data


def form_fields(response, form_id):
    """What a browser would submit from the form, before the user changes anything."""
    form = _Form(form_id)
    form.feed(response.content.decode())
    # A textarea's content starts after a newline the browser drops.
    return {
        name: [value[1:] if value.startswith("\n") else value for value in values]
        for name, values in form.data.items()
    }


class _CardTitles(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.titles = []
        self._inside = None

    def handle_starttag(self, tag, attrs):
        if "card-title" in (dict(attrs).get("class") or "").split():
            self._inside = tag
            self.titles.append("")

    def handle_endtag(self, tag):
        if tag == self._inside:
            self._inside = None

    def handle_data(self, data):
        if self._inside:
            self.titles[-1] += data


def card_titles(response):
    """The titles of the briefs a list, search or expert page shows, in order."""
    parser = _CardTitles()
    parser.feed(response.content.decode())
    return [" ".join(title.split()) for title in parser.titles]
