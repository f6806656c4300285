import streamlit as st

st.title('digits (being built)')
