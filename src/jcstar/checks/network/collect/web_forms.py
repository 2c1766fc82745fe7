"""Read a device's web page by its structure: forms, fields, links, title.

A *login form* is a user name and one password field posting to a login handler, with
nothing else to set. A *settings form* shows or changes the device's settings or
secrets: a new/confirm password pair, a password field marked ``autocomplete=new-password``
or named for a Wi-Fi key, several setting fields, or a post to a settings handler. A page
*gives settings* when it has a settings form or shows a secret (a pre-filled password
field, a "Wi-Fi key: ..." line). Words on a page (admin, firmware, settings) decide nothing.
Pure functions over HTML text, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal
from urllib.parse import urljoin, urlsplit

FormKind = Literal["login", "settings", "other"]

#: input types that carry no value the user sets
_BUTTONS = {"submit", "button", "reset", "image"}
_TEXTLIKE = {"text", "email", "tel", "", "number", "url", "search"}
#: a password field that sets a new secret, not one that logs in
_NEW_SECRET_NAME = re.compile(
    r"new|confirm|again|repeat|verify|retype|re_?pass|pass\w*2|psk|wpa|wep|wlan|wifi|"
    r"passphrase|(?:^|_|-)key(?:$|_|-|\d)",
    re.I,
)
_USER_NAME = re.compile(r"user|login|name|mail|account|^id$|uid", re.I)
#: harmless companions of a login form: "remember me", a language choice, a captcha
_LOGIN_EXTRAS = re.compile(r"remember|keep|lang|locale|captcha|otp|token|code", re.I)
_LOGIN_HANDLER = re.compile(r"log_?in|logon|sign_?in|auth|session|j_security_check", re.I)
_SETTINGS_HANDLER = re.compile(
    r"apply|save|settings?|setup|config|wireless|wlan|wifi|change_?pass|passwd|system|"
    r"/set_?[a-z]",
    re.I,
)
#: a secret shown in the page's text: a Wi-Fi key/passphrase label followed by its value
_SHOWN_SECRET = re.compile(
    r"(?:wpa2?|wi-?fi|wlan|psk|pre-?shared|wireless)[\w \-]{0,20}?"
    r"(?:key|password|passphrase|パスワード|暗号化キー)\s*[:：=]\s*(\S{6,})",
    re.I,
)
_SCRIPT_LOCATION = re.compile(
    r"""(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']|"""
    r"""location\.(?:replace|assign)\(\s*["']([^"']+)["']\s*\)""",
    re.I,
)
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)
#: links that are never a page (stylesheets, images, scripts, downloads)
_STATIC = re.compile(
    r"\.(?:css|js|png|jpe?g|gif|ico|svg|woff2?|ttf|eot|pdf|zip|bin|img|mp4|map)$", re.I
)


@dataclass(frozen=True)
class FormField:
    kind: str  # input type, or "select" / "textarea"
    name: str
    value: str = ""
    autocomplete: str = ""

    @property
    def is_password(self) -> bool:
        return self.kind == "password"


@dataclass
class WebForm:
    action: str = ""
    method: str = "get"
    fields: list[FormField] = field(default_factory=list)

    @property
    def password_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.is_password]

    def username_field(self) -> str | None:
        texts = [f.name for f in self.fields if f.kind in _TEXTLIKE]
        named = [n for n in texts if _USER_NAME.search(n)]
        if named:
            return named[0]
        return texts[0] if len(texts) == 1 else None

    def hidden_values(self) -> dict[str, str]:
        return {f.name: f.value for f in self.fields if f.kind == "hidden"}

    def setting_fields(self) -> list[FormField]:
        """Fields a user sets that are neither the login pair nor a login form's extras."""
        user = self.username_field()
        passwords = [f for f in self.fields if f.is_password]
        login_password = passwords[0].name if len(passwords) == 1 else None
        return [
            f
            for f in self.fields
            if f.kind not in _BUTTONS | {"hidden"}
            and f.name not in (user, login_password)
            and not (f.kind in ("checkbox", "select", "radio") and _LOGIN_EXTRAS.search(f.name))
        ]


def classify_form(form: WebForm) -> tuple[FormKind, str]:
    """("login" | "settings" | "other", why), from the form's fields and action."""
    passwords = [f for f in form.fields if f.is_password]
    setting = form.setting_fields()
    action = form.action or ""
    to_settings = bool(_SETTINGS_HANDLER.search(action)) and not _LOGIN_HANDLER.search(action)
    where = f" posting to {action}" if action else ""
    if len(passwords) >= 2:
        names = ", ".join(f.name for f in passwords)
        return "settings", f"a form with {len(passwords)} password fields ({names}){where}"
    new_secret = [
        f
        for f in passwords
        if f.autocomplete.lower() == "new-password" or _NEW_SECRET_NAME.search(f.name)
    ]
    if new_secret:
        f = new_secret[0]
        how = ", autocomplete=new-password" if f.autocomplete.lower() == "new-password" else ""
        return "settings", f"a form that sets a password or key (field {f.name}{how}){where}"
    if passwords and passwords[0].value:
        return "settings", f"a form showing the value of password field {passwords[0].name}"
    if passwords and len(setting) >= 2:
        names = ", ".join(f.name for f in setting[:4])
        return "settings", f"a form with a password and setting fields ({names}){where}"
    if passwords and setting and to_settings:
        return "settings", f"a form with a password field{where}"
    if passwords and to_settings and form.username_field() is None:
        return "settings", f"a form with a password field and no user name{where}"
    if passwords:
        return "login", f"a login form (user {form.username_field() or '-'}, one password field)"
    if setting and to_settings:
        names = ", ".join(f.name for f in setting[:4])
        return "settings", f"a configuration form ({names}){where}"
    if len(setting) >= 3:
        names = ", ".join(f.name for f in setting[:4])
        return "settings", f"a configuration form ({names}){where}"
    return "other", "a form that neither logs in nor sets anything"


@dataclass
class ParsedPage:
    title: str = ""
    text: str = ""  # visible text, scripts and styles left out, whitespace folded
    forms: list[WebForm] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # <a>/<area> hrefs
    navigation: list[str] = field(default_factory=list)  # frames, meta refresh, script location

    def login_forms(self) -> list[WebForm]:
        return [f for f in self.forms if classify_form(f)[0] == "login"]

    def settings_evidence(self) -> list[str]:
        """What on this page shows or changes settings or secrets (empty: nothing)."""
        found = [why for kind, why in map(classify_form, self.forms) if kind == "settings"]
        shown = _SHOWN_SECRET.search(self.text)
        if shown:
            found.append(f"a Wi-Fi key shown in the page ({shown.group(0)[:40]!r})")
        return found


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()
        self._form: WebForm | None = None
        self._select: str | None = None
        self._skip = 0  # inside <script>/<style>
        self._in_title = False
        self._text: list[str] = []
        self._title: list[str] = []
        self._scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key.lower(): value or "" for key, value in attrs}
        if tag == "form":
            self._form = WebForm(values.get("action", ""), values.get("method", "get").lower())
            self.page.forms.append(self._form)
        elif tag in ("input", "select", "textarea") and values.get("name"):
            kind = values.get("type", "").lower() if tag == "input" else tag
            entry = FormField(
                kind, values["name"], values.get("value", ""), values.get("autocomplete", "")
            )
            if self._form is not None:
                self._form.fields.append(entry)
        elif tag in ("a", "area") and values.get("href"):
            self.page.links.append(values["href"])
        elif tag in ("frame", "iframe") and values.get("src"):
            self.page.navigation.append(values["src"])
        elif tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            found = _REFRESH_URL.search(values.get("content", ""))
            if found:
                self.page.navigation.append(found.group(1).strip())
        elif tag in ("script", "style"):
            self._skip += 1
            self._in_script = tag == "script"
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
            self._in_script = False
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self._scripts.append(data)
        elif self._in_title:
            self._title.append(data)
        elif not self._skip:
            self._text.append(data)

    def result(self) -> ParsedPage:
        for script in self._scripts:
            for match in _SCRIPT_LOCATION.finditer(script):
                self.page.navigation.append(match.group(1) or match.group(2))
        self.page.title = " ".join("".join(self._title).split())
        self.page.text = " ".join(" ".join(self._text).split())
        return self.page


def parse_page(html: str) -> ParsedPage:
    parser = _PageParser()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:  # HTMLParser on badly broken markup: keep what was read
        pass
    return parser.result()


def same_origin_paths(page_url: str, hrefs: list[str]) -> list[str]:
    """Paths (with query) of the links that stay on the page's scheme, host and port and
    lead to a page, in order, without repeats."""
    origin = urlsplit(page_url)
    found: list[str] = []
    for href in hrefs:
        href = href.strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "data:", "tel:")):
            continue
        url = urlsplit(urljoin(page_url, href))
        if (url.scheme, url.netloc) != (origin.scheme, origin.netloc):
            continue
        path = url.path or "/"
        if _STATIC.search(path):
            continue
        full = path + (f"?{url.query}" if url.query else "")
        if full not in found:
            found.append(full)
    return found
