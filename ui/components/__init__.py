"""Elements of our own for the pages, as Streamlit custom components (v2): each is a small JavaScript file
beside a Python module that registers it and says what data it takes."""
