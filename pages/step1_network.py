import streamlit as st

st.title('step1_network (being built)')
