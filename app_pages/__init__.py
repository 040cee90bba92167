"""The Streamlit pages of Voisinage, one file each, chosen by role in ``streamlit_app.py``.

Pages stay thin: they read the session from the cookie, call the services with the signed-in actor and show
the result. Nothing is decided here that a service does not decide again.
"""
