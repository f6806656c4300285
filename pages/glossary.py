"""Glossary · 术语表: the lecture's terms in English and in Chinese, and the page that first teaches each.

The terms are i18n/glossary.csv's (:func:`i18n.glossary`), the same the Chinese catalog uses.
"""

import pandas as pd
import streamlit as st

import i18n
from i18n import _, ngettext
from ui import navigation

navigation.enter(__file__)  # run alone (a fresh server's legacy mode), the page hands over to app.py

st.title(_("Glossary · 术语表"))
st.markdown(_("The lecture's terms in English and in Chinese, as Hung-yi Lee's course notes and the Chinese "
              "article use them, with the page where this app first teaches each. The Chinese version of the "
              "app uses exactly these terms: switch the language at the top of any page to read it in the "
              "other."))

terms = i18n.glossary()
st.table(pd.DataFrame({
    "English": [term.english for term in terms],
    "中文": [term.chinese for term in terms],
    _("First taught on"): [navigation.title_of(term.page) or term.page for term in terms],
}), hide_index=True, alt=_("The lecture's terms in English and in Chinese"))

st.subheader(_("Where the terms are taught"))
counts = {}
for term in terms:
    counts[term.page] = counts.get(term.page, 0) + 1
for entries in navigation.SECTIONS.values():
    for file, title, icon, url_path in entries:
        if url_path in counts:
            n = counts[url_path]
            st.page_link(file, icon=icon, label=ngettext("{page}: {n} term", "{page}: {n} terms", n).format(
                page=_(title), n=n))
