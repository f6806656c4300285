"""Streamlit-side helpers shared by the pages: session state and figure builders (no math)."""
