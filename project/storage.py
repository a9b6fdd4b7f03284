"""Static files storage: whitenoise's compressed, hashed files, and hashed names in our own
relative ES module imports (the player's modules), so every module is cached for good and a
new release never mixes with an old one."""

from whitenoise.storage import CompressedManifestStaticFilesStorage

# Django's own pattern for a relative ES module import: import { a } from "./b.js";
JS_MODULE_IMPORT = (
    r"""(?P<matched>import(?s:(?P<import>[\s\{].*?|\*\s*as\s*\w+))"""
    r"""\s*from\s*["'](?P<url>\.{1,2}/.*?)["']\s*;)""",
    """import%(import)s from "%(url)s";""",
)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Not `support_js_module_import_aggregation`: that applies Django's import patterns to
    every JS file, and django_htmx's ext/*.js has JSDoc `import("../htmx")` types that it
    cannot resolve. Our own `js/` files only ("*" matches "/" too: js/player/*.js)."""

    patterns = (
        *CompressedManifestStaticFilesStorage.patterns,
        ("js/*.js", (JS_MODULE_IMPORT,)),
    )
