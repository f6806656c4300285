import streamlit as st

st.title('step2_loss (being built)')
