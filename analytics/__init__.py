"""Self-diagnostic analytics for «Школа Минпросвещения России»: the engine behind the app.

This package never imports streamlit: pages and the command line both call it, and tests
exercise it without a UI.
"""
