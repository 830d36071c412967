"""Plotly figure builders: results in, go.Figure out. No Streamlit here."""
