"""A small Sphinx extension for a book that must work offline.

Jupyter Book 1 loads sphinx-thebe on every page even with Thebe switched off;
thebe's inline script (declaring ``THEBE_JS_URL``, an address on a CDN) is
added twice, which raises "Identifier already declared" in the browser. With
Thebe off, this extension drops thebe's scripts from every page and removes
any other script that a page would include twice.
"""

from __future__ import annotations


def _script_key(script) -> tuple[str, str]:
    filename = getattr(script, "filename", None) or ""
    body = (getattr(script, "attributes", None) or {}).get("body", "")
    return str(filename or script), body


def _clean_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = _script_key(script)
        if "thebe" in key[0] or "THEBE_JS_URL" in key[1] or key in seen:
            continue
        seen.add(key)
        kept.append(script)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _clean_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
