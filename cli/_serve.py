"""``voisinage serve``: the web app (Streamlit pages and the project's routes) in one process."""

from __future__ import annotations

import typer

from cli._context import reports_errors
from cli._output import note


@reports_errors
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Adresse d'écoute."),
    port: int = typer.Option(8501, "--port", min=1, max=65535, help="Port d'écoute."),
) -> None:
    """Lance l'application web (pages, connexion, cartes) sur http://HOST:PORT."""
    from server._run import serve

    note(f"Voisinage : http://{host}:{port}/")
    serve(host, port)
