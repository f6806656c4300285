import streamlit as st

st.title('step3_training (being built)')
