"""The small server-rendered pages of the ``/auth/*`` routes (French; every value escaped)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from server._cookies import CSRF_FIELD


def page(title: str, body: str) -> str:
    """A whole HTML page around ``body`` (already safe HTML); ``title`` is escaped."""
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)} · Voisinage</title><link rel="stylesheet" href="/assets/app.css"></head>'
        f"<body><main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def _csrf(token: str) -> str:
    return f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">'


def _error(message: str | None) -> str:
    return f'<p class="error" role="alert">{escape(message)}</p>' if message else ""


def login_page(
    csrf: str,
    *,
    error: str | None = None,
    notice: str | None = None,
    email: str = "",
    demo_accounts: Sequence[tuple[str, str, str, str]] = (),
) -> str:
    """The sign-in form (e-mail, password, TOTP code for staff accounts), with the demo accounts in demo mode."""
    demo = ""
    if demo_accounts:
        rows = "".join(
            f"<tr><td>{escape(role)}</td><td><code>{escape(mail)}</code></td><td><code>{escape(pw)}</code></td>"
            f"<td><code>{escape(code)}</code></td></tr>"
            for role, mail, pw, code in demo_accounts
        )
        demo = (
            '<section class="demo"><h2>Comptes de démonstration</h2>'
            "<p>Serveur de démonstration : ces comptes n'existent que dans la base de démonstration. "
            "Les comptes du personnel demandent le code à 6 chiffres affiché ici "
            "(rechargez la page pour un code neuf).</p>"
            "<table><tr><th>Rôle</th><th>E-mail</th><th>Mot de passe</th><th>Code du moment</th></tr>"
            f"{rows}</table></section>"
        )
    info = f'<p class="notice">{escape(notice)}</p>' if notice else ""
    return page(
        "Connexion",
        f"{info}{_error(error)}"
        '<form method="post" action="/auth/login">'
        f"{_csrf(csrf)}"
        '<label for="email">E-mail</label>'
        f'<input id="email" name="email" type="email" autocomplete="username" required value="{escape(email)}">'
        '<label for="password">Mot de passe</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" required>'
        '<label for="totp">Code à 6 chiffres (référents, mairie, gendarmerie)</label>'
        '<input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*">'
        '<button type="submit">Se connecter</button></form>'
        '<p><a href="/auth/forgot">Mot de passe oublié ?</a> · <a href="/inscription">Pas encore de compte ? '
        "S'inscrire</a></p>"
        f"{demo}",
    )


def logout_page(csrf: str) -> str:
    """The sign-out confirmation (a POST form: a link alone must never sign anyone out)."""
    return page(
        "Déconnexion",
        '<form method="post" action="/auth/logout">'
        f"{_csrf(csrf)}"
        '<button type="submit">Se déconnecter</button></form>'
        '<p><a href="/">Revenir à l\'application</a></p>',
    )


def message_page(title: str, message: str, *, link: tuple[str, str] = ("/auth/login", "Se connecter")) -> str:
    """A page with one message and one link back."""
    href, label = link
    return page(title, f'<p>{escape(message)}</p><p><a href="{escape(href)}">{escape(label)}</a></p>')


def invitation_page(csrf: str, *, error: str | None = None, notice: str | None = None) -> str:
    """Choosing a password with the code received (invitation, or forgotten password)."""
    info = f'<p class="notice">{escape(notice)}</p>' if notice else ""
    return page(
        "Choisir mon mot de passe",
        f"{info}{_error(error)}"
        "<p>Collez le code reçu (invitation ou mot de passe oublié), puis choisissez votre mot de passe : "
        "au moins 12 caractères mêlant lettres, chiffres et symboles, ou une phrase longue.</p>"
        '<form method="post" action="/auth/invitation">'
        f"{_csrf(csrf)}"
        '<label for="token">Code reçu</label>'
        '<input id="token" name="token" autocomplete="off" required>'
        '<label for="password">Nouveau mot de passe</label>'
        '<input id="password" name="password" type="password" autocomplete="new-password" required>'
        '<button type="submit">Enregistrer</button></form>',
    )


def forgot_page(csrf: str, *, notice: str | None = None) -> str:
    """Forgotten password: the e-mail to send the code to."""
    info = f'<p class="notice">{escape(notice)}</p>' if notice else ""
    return page(
        "Mot de passe oublié",
        f"{info}"
        '<form method="post" action="/auth/forgot">'
        f"{_csrf(csrf)}"
        '<label for="email">E-mail du compte</label>'
        '<input id="email" name="email" type="email" autocomplete="username" required>'
        '<button type="submit">Recevoir un code</button></form>'
        '<p><a href="/auth/invitation">J\'ai déjà un code</a> · <a href="/auth/login">Se connecter</a></p>',
    )


def totp_page(csrf: str, qr_data_uri: str, secret: str, *, error: str | None = None) -> str:
    """Enrolling the second factor: the QR code (inline SVG data URI, drawn here), the secret, a first code."""
    return page(
        "Double authentification",
        f"{_error(error)}"
        "<p>Votre rôle demande un second facteur. Scannez ce code avec une application d'authentification "
        "(FreeOTP, Aegis, Google Authenticator…), puis saisissez le code à 6 chiffres qu'elle affiche.</p>"
        f'<img class="qr" alt="Code QR à scanner" src="{escape(qr_data_uri)}">'
        f"<p>Sans appareil photo, saisissez cette clé : <code>{escape(secret)}</code></p>"
        '<form method="post" action="/auth/totp">'
        f"{_csrf(csrf)}"
        '<label for="totp">Code à 6 chiffres</label>'
        '<input id="totp" name="totp" inputmode="numeric" autocomplete="one-time-code" required>'
        '<button type="submit">Activer</button></form>',
    )
