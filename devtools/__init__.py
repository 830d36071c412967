"""What tests/browser and benchmarks/ share: the app served by ``streamlit run`` on
127.0.0.1 (`devtools.serve`) and Chromium to open it (`devtools.chromium`).

Not part of the app: nothing under segmentation/, ui/ or pages/ imports it.
"""
