"""Rendering a portal page: the template in the reader's language, with what every page's
layout needs (who is signed in, the navigation, the language switch, the form token).

Each language has its own Jinja2 environment with its catalog installed (``jinja2.ext.i18n``,
new-style gettext: placeholders are escaped like any other output), so requests in the two
languages never share a translation. Output is autoescaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from jcstar.assessment.consumer import Named
from jcstar.registry.accounts.roles import in_order
from jcstar.registry.accounts.service import Principal
from jcstar.registry.deps import Caller, Config
from jcstar.registry.settings import Settings
from jcstar.registry.web import forms, i18n, nav, static
from jcstar.registry.web.i18n import N_

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: a label's status as a reader sees it (``search.service.STATUSES``, and ``lapsed``)
STATUS_NAMES = {
    "valid": N_("Valid"),
    "expired": N_("Expired"),
    "suspended": N_("Suspended"),
    "revoked": N_("Revoked"),
    "superseded": N_("Superseded by a newer label"),
    "lapsed": N_("Lapsed (criteria superseded)"),
    "unknown": N_("Not listed"),
}

#: the organisation kinds and roles, as the header names them
KIND_NAMES = {
    "vendor": N_("Vendor"),
    "operator": N_("Scheme operator"),
    "lab": N_("Evaluation lab"),
    "procurer": N_("Procurer"),
}
ROLE_NAMES = {
    "reviewer": N_("reviewer"),
    "approver": N_("approver"),
    "administrator": N_("administrator"),
    "applicant": N_("applicant"),
    "evaluator": N_("evaluator"),
    "watcher": N_("watcher"),
}


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["static"] = static.url
    return env


@dataclass(frozen=True)
class Page:
    """One page request: who asks, in which language, and the form token for its forms."""

    request: Request
    settings: Settings
    caller: Principal | None
    lang: str
    csrf: str
    new_csrf: bool

    def gettext(self, message: str) -> str:
        return i18n.translations(self.lang).gettext(message)

    def named(self, named: Named) -> str:
        """A name the data holds in both languages (product categories, update modes)."""
        return named.ja if self.lang == "ja" else named.en

    def render(
        self, template: str, context: Mapping[str, Any] | None = None, status_code: int = 200
    ) -> HTMLResponse:
        html = environment(self.lang).get_template(template).render(self._layout(context or {}))
        response = HTMLResponse(html, status_code=status_code)
        return self.finish(response)

    def finish(self, response: HTMLResponse) -> HTMLResponse:
        """Remember a language switch and hand out the form token, on any page response."""
        chosen = i18n.switched(self.request.query_params)
        if chosen is not None:
            response.set_cookie(
                i18n.COOKIE,
                chosen,
                max_age=i18n.COOKIE_MAX_AGE,
                httponly=True,
                samesite="lax",  # followed links from other sites keep the reader's language
                secure=self.settings.base_url.startswith("https://"),
            )
        if self.new_csrf:
            forms.remember(response, self.csrf, self.settings)
        response.headers["Content-Language"] = self.lang
        response.headers.setdefault("Cache-Control", "no-store")  # pages differ by reader
        return response

    def _layout(self, context: Mapping[str, Any]) -> dict[str, Any]:
        entries = nav.visible_to(self.caller)
        caller = self.caller
        return {
            "lang": self.lang,
            "lang_links": {lang: self.with_query(lang=lang) for lang in i18n.LANGUAGES},
            "caller": caller,
            "caller_kind": KIND_NAMES.get(caller.kind, caller.kind) if caller else None,
            "caller_roles": [ROLE_NAMES.get(r, r) for r in in_order(caller.kind, caller.roles)]
            if caller
            else [],
            "nav": entries,
            "nav_current": nav.current(self.request.url.path, entries),
            "csrf": self.csrf,
            "csrf_field": forms.FIELD,
            "status_names": STATUS_NAMES,
            "named": self.named,
            **context,
        }

    def with_query(self, **changes: object) -> str:
        """This page's address with some query parameters changed (None: removed)."""
        query = dict(self.request.query_params)
        for name, value in changes.items():
            if value is None or value == "":
                query.pop(name, None)
            else:
                query[name] = str(value)
        path = self.request.url.path
        return f"{path}?{urlencode(query)}" if query else path


def _page(request: Request, settings: Config, caller: Caller) -> Page:
    lang = i18n.choose(
        request.query_params, request.cookies, request.headers.get("accept-language")
    )
    token, new = forms.token_of(request, settings)
    return Page(request, settings, caller, lang, token, new)


#: what a page route takes to render (``page.render("x.html", {...})``)
PageRequest = Annotated[Page, Depends(_page)]


def page_for(request: Request) -> Page:
    """A ``Page`` outside a route (the error pages): no caller looked up."""
    settings: Settings = request.app.state.settings
    lang = i18n.choose(
        request.query_params, request.cookies, request.headers.get("accept-language")
    )
    token, new = forms.token_of(request, settings)
    return Page(request, settings, None, lang, token, new)
