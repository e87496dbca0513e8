"""Language selection: the user's own choice, else French (the default), else the browser's."""
from flask import current_app, g, session
from flask_babel import get_translations
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if session.get("locale") in languages:
        return session["locale"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _translations():
    """The current request's catalogue, as `flask_babel.get_translations()` returns it, remembered
    against the locale object it was chosen for: a page calls gettext 150+ times and Flask-Babel
    looks the locale and domain up again each time. `force_locale()` and `refresh()` replace or
    drop that locale object, so they still take effect at once."""
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    if locale is not None:
        cached = getattr(ctx, "parvis_translations", None)
        if cached is not None and cached[0] is locale:
            return cached[1]
    translations = get_translations()
    ctx = g.get("_flask_babel")
    if ctx is not None and getattr(ctx, "babel_locale", None) is not None:
        ctx.parvis_translations = (ctx.babel_locale, translations)
    return translations


def install_template_gettext(app) -> None:
    """Templates' `_`, `gettext`, `ngettext`, `pgettext`, `npgettext` through `_translations()`."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
