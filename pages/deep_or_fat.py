import streamlit as st

st.title('deep_or_fat (being built)')
