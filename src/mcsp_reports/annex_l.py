"""ISO 32000-1 Annex L: which structure types may not contain which (generated).

Written by scripts/annex_l.py from veraPDF's PDF_UA/ISO-32000-1-Tagged.xml
(1535 rules "Annex_L", "X elem should not contain Y kid"); do not edit.
"""

#: For each parent type, the kid types Annex L forbids under it.
FORBIDDEN_KIDS: dict[str, frozenset[str]] = {
    "Annot": frozenset((
        "Document Index LBody LI Private RB RP RT TBody TD TFoot TH THead TOC TOCI TR WP "
        "WT "
    ).split()),
    "Art": frozenset((
        "Art BibEntry Document LBody LI Quote RB RP RT Reference Ruby Span TBody TD TFoot "
        "TH THead TOCI TR WP WT Warichu "
    ).split()),
    "BibEntry": frozenset((
        "Art BibEntry BlockQuote Caption Code Document Form Formula H H1 H2 H3 H4 H5 H6 "
        "Index L LBody LI Quote RB RP RT Ruby Sect TBody TD TFoot TH THead TOC TOCI TR "
        "Table WP WT Warichu "
    ).split()),
    "BlockQuote": frozenset((
        "BibEntry BlockQuote LBody LI Quote RB RP RT Ruby Span TBody TD TFoot TH THead "
        "TOCI TR WP WT Warichu "
    ).split()),
    "Caption": frozenset((
        "Caption Document LBody LI RB RP RT TBody TD TFoot TH THead TOC TOCI TR WP WT "
    ).split()),
    "Code": frozenset((
        "Art BlockQuote Caption Code Document Figure Form Formula H H1 H2 H3 H4 H5 H6 "
        "Index L LBody LI Lbl P Quote RB RP RT Ruby Sect TBody TD TFoot TH THead TOC TOCI "
        "TR Table WP WT Warichu "
    ).split()),
    "Document": frozenset((
        "BibEntry Caption LBody LI Lbl Quote RB RP RT Reference Ruby Span TBody TD TFoot "
        "TH THead TOCI TR WP WT Warichu "
    ).split()),
    "Figure": frozenset((
        "Document LBody LI RB RP RT TBody TD TFoot TH THead TOC TOCI TR WP WT "
    ).split()),
    "Form": frozenset((
        "Annot Art BlockQuote Document Form H H1 H2 H3 H4 H5 H6 Index LBody LI Link P "
        "Quote RB RP RT Ruby Sect Span TBody TD TFoot TH THead TOC TOCI TR WP WT Warichu "
    ).split()),
    "Formula": frozenset((
        "Art Document LBody LI RB RP RT Sect TBody TD TFoot TH THead TOC TOCI TR WP WT "
    ).split()),
    "H": frozenset((
        "BlockQuote Caption Div Document H H1 H2 H3 H4 H5 H6 Index L LBody LI P Part RB "
        "RP RT TBody TD TFoot TH THead TOC TOCI TR Table WP WT "
    ).split()),
    "H1": frozenset((
        "BlockQuote Caption Div Document H H1 H2 H3 H4 H5 H6 Index L LBody LI P Part RB "
        "RP RT TBody TD TFoot TH THead TOC TOCI TR Table WP WT "
    ).split()),
    "H2": frozenset((
        "BlockQuote Caption Div Document H H1 H2 H3 H4 H5 H6 Index L LBody LI P Part RB "
        "RP RT TBody TD TFoot TH THead TOC TOCI TR Table WP WT "
    ).split()),
    "H3": frozenset((
        "BlockQuote Caption Div Document H H1 H2 H3 H4 H5 H6 Index L LBody LI P Part RB "
        "RP RT TBody TD TFoot TH THead TOC TOCI TR Table WP WT "
    ).split()),
    "H4": frozenset((
        "BlockQuote Caption Div Document H H1 H2 H3 H4 H5 H6 Index L LBody LI P Part RB "
        "RP RT TBody TD TFoot TH THead TOC TOCI TR Table WP WT "
    ).split()),
    "H5": frozenset((
        "BlockQuote Caption Div Document H H1 H2 H3 H4 H5 H6 Index L LBody LI P Part RB "
        "RP RT TBody TD TFoot TH THead TOC TOCI TR Table WP WT "
    ).split()),
    "H6": frozenset((
        "BlockQuote Caption Div Document H H1 H2 H3 H4 H5 H6 Index L LBody LI P Part RB "
        "RP RT TBody TD TFoot TH THead TOC TOCI TR Table WP WT "
    ).split()),
    "Index": frozenset((
        "Art BibEntry BlockQuote Code Document Form Index LBody LI Lbl Link Quote RB RP "
        "RT Ruby Span TBody TD TFoot TH THead TOC TOCI TR WP WT Warichu "
    ).split()),
    "L": frozenset((
        "Annot Art BibEntry BlockQuote Code Div Document Figure Form Formula H H1 H2 H3 "
        "H4 H5 H6 Index LBody Lbl Link Note P Part Quote RB RP RT Reference Ruby Sect "
        "Span TBody TD TFoot TH THead TOC TOCI TR Table WP WT Warichu "
    ).split()),
    "LBody": frozenset((
        "Document LBody LI Lbl RB RP RT TBody TD TFoot TH THead TOC TOCI TR WP WT "
    ).split()),
    "LI": frozenset((
        "Annot Art BibEntry BlockQuote Caption Code Document Figure Form Formula H H1 H2 "
        "H3 H4 H5 H6 Index L LI Link Note P Part Quote RB RP RT Reference Ruby Sect Span "
        "TBody TD TFoot TH THead TOC TOCI TR Table WP WT Warichu "
    ).split()),
    "Lbl": frozenset((
        "Art BlockQuote Caption Div Document H H1 H2 H3 H4 H5 H6 Index L LBody LI Lbl P "
        "Part RB RP RT Sect TBody TD TFoot TH THead TOC TOCI TR Table WP WT "
    ).split()),
    "Link": frozenset((
        "Document Index LBody LI Link RB RP RT TBody TD TFoot TH THead TOC TOCI TR WP WT "
    ).split()),
    "Note": frozenset((
        "Document H H1 H2 H3 H4 H5 H6 LBody LI RB RP RT TBody TD TFoot TH THead TOC TOCI "
        "TR WP WT "
    ).split()),
    "P": frozenset((
        "Art BlockQuote Caption Div Document H H1 H2 H3 H4 H5 H6 Index LBody LI P Part RB "
        "RP RT Sect TBody TD TFoot TH THead TOC TOCI TR Table WP WT "
    ).split()),
    "Part": frozenset((
        "LBody LI Quote RB RP RT Ruby Span TBody TD TFoot TH THead TR WP WT Warichu "
    ).split()),
    "Quote": frozenset((
        "Art BlockQuote Caption Div Document H H1 H2 H3 H4 H5 H6 Index L LBody LI P Part "
        "RB RP RT Sect TBody TD TFoot TH THead TOC TOCI TR Table WP WT "
    ).split()),
    "RB": frozenset((
        "Art BibEntry BlockQuote Caption Code Div Document Figure Formula H H1 H2 H3 H4 "
        "H5 H6 Index L LBody LI Lbl Note P Part RB RP RT Ruby Sect TBody TD TFoot TH "
        "THead TOC TOCI TR Table WP WT Warichu "
    ).split()),
    "RP": frozenset((
        "Art BibEntry BlockQuote Caption Code Div Document Figure Formula H H1 H2 H3 H4 "
        "H5 H6 Index L LBody LI Lbl Note P Part RB RP RT Ruby Sect TBody TD TFoot TH "
        "THead TOC TOCI TR Table WP WT Warichu "
    ).split()),
    "RT": frozenset((
        "Art BibEntry BlockQuote Caption Code Div Document Figure Formula H H1 H2 H3 H4 "
        "H5 H6 Index L LBody LI Lbl Note P Part RB RP RT Ruby Sect TBody TD TFoot TH "
        "THead TOC TOCI TR Table WP WT Warichu "
    ).split()),
    "Reference": frozenset((
        "Art BlockQuote Caption Code Div Document Form Formula H H1 H2 H3 H4 H5 H6 Index "
        "L LBody LI P Part Quote RB RP RT Reference Ruby Sect TBody TD TFoot TH THead TOC "
        "TOCI TR Table WP WT Warichu "
    ).split()),
    "Ruby": frozenset((
        "Annot Art BibEntry BlockQuote Caption Code Div Document Figure Form Formula H H1 "
        "H2 H3 H4 H5 H6 Index L LBody LI Lbl Link Note P Part Quote Reference Ruby Sect "
        "Span TBody TD TFoot TH THead TOC TOCI TR Table WP WT Warichu "
    ).split()),
    "Sect": frozenset((
        "BibEntry Document LBody LI Quote RB RP RT Reference Ruby Span TBody TD TFoot TH "
        "THead TOCI TR WP WT Warichu "
    ).split()),
    "Span": frozenset((
        "Art BlockQuote Caption Div Document H H1 H2 H3 H4 H5 H6 Index L LBody LI P Part "
        "RB RP RT Sect TBody TD TFoot TH THead TOC TOCI TR Table WP WT "
    ).split()),
    "StructTreeRoot": frozenset((
        "Annot Art BibEntry BlockQuote Caption Code Div Figure Form Formula H H1 H2 H3 H4 "
        "H5 H6 Index L LBody LI Lbl Link Note P Part Quote RB RP RT Reference Ruby Sect "
        "Span TBody TD TFoot TH THead TOC TOCI TR Table WP WT Warichu "
    ).split()),
    "TBody": frozenset((
        "Annot Art BibEntry BlockQuote Caption Code Div Document Figure Form Formula H H1 "
        "H2 H3 H4 H5 H6 Index L LBody LI Lbl Link Note P Part Quote RB RP RT Reference "
        "Ruby Sect Span TBody TD TFoot TH THead TOC TOCI Table WP WT Warichu "
    ).split()),
    "TD": frozenset((
        "BlockQuote Caption Document LBody LI Part RB RP RT TBody TD TFoot TH THead TOC "
        "TOCI TR WP WT "
    ).split()),
    "TFoot": frozenset((
        "Annot Art BibEntry BlockQuote Caption Code Div Document Figure Form Formula H H1 "
        "H2 H3 H4 H5 H6 Index L LBody LI Lbl Link Note P Part Quote RB RP RT Reference "
        "Ruby Sect Span TBody TD TFoot TH THead TOC TOCI Table WP WT Warichu "
    ).split()),
    "TH": frozenset((
        "BlockQuote Caption Document LBody LI Part RB RP RT TBody TD TFoot TH THead TOC "
        "TOCI TR WP WT "
    ).split()),
    "THead": frozenset((
        "Annot Art BibEntry BlockQuote Caption Code Div Document Figure Form Formula H H1 "
        "H2 H3 H4 H5 H6 Index L LBody LI Lbl Link Note P Part Quote RB RP RT Reference "
        "Ruby Sect Span TBody TD TFoot TH THead TOC TOCI Table WP WT Warichu "
    ).split()),
    "TOC": frozenset((
        "Annot Art BibEntry BlockQuote Caption Code Div Document Figure Form Formula H H1 "
        "H2 H3 H4 H5 H6 Index L LBody LI Lbl Link Note P Part Quote RB RP RT Reference "
        "Ruby Sect Span TBody TD TFoot TH THead TR Table WP WT Warichu "
    ).split()),
    "TOCI": frozenset((
        "Annot Art BibEntry BlockQuote Caption Code Document Figure Form Formula H H1 H2 "
        "H3 H4 H5 H6 Index L LBody LI Link Note Part Quote RB RP RT Ruby Sect Span TBody "
        "TD TFoot TH THead TOCI TR Table WP WT Warichu "
    ).split()),
    "TR": frozenset((
        "Annot Art BibEntry BlockQuote Caption Code Div Document Figure Form Formula H H1 "
        "H2 H3 H4 H5 H6 Index L LBody LI Lbl Link Note P Part Quote RB RP RT Reference "
        "Ruby Sect Span TBody TFoot THead TOC TOCI TR Table WP WT Warichu "
    ).split()),
    "Table": frozenset((
        "Annot Art BibEntry BlockQuote Code Div Document Figure Form Formula H H1 H2 H3 "
        "H4 H5 H6 Index L LBody LI Lbl Link Note P Part Quote RB RP RT Reference Ruby "
        "Sect Span TD TH TOC TOCI Table WP WT Warichu "
    ).split()),
    "WP": frozenset((
        "Art BibEntry BlockQuote Caption Code Div Document Figure Formula H H1 H2 H3 H4 "
        "H5 H6 Index L LBody LI Lbl Note P Part RB RP RT Ruby Sect TBody TD TFoot TH "
        "THead TOC TOCI TR Table WP WT Warichu "
    ).split()),
    "WT": frozenset((
        "Art BibEntry BlockQuote Caption Code Div Document Figure Formula H H1 H2 H3 H4 "
        "H5 H6 Index L LBody LI Lbl Note P Part RB RP RT Ruby Sect TBody TD TFoot TH "
        "THead TOC TOCI TR Table WP WT Warichu "
    ).split()),
    "Warichu": frozenset((
        "Annot Art BibEntry BlockQuote Caption Code Div Document Figure Form Formula H H1 "
        "H2 H3 H4 H5 H6 Index L LBody LI Lbl Link Note P Part Quote RB RP RT Reference "
        "Ruby Sect Span TBody TD TFoot TH THead TOC TOCI TR Table Warichu "
    ).split()),
}
