"""Streamlit glue: session-state keys (state), cached core calls (cached), shared widgets."""
