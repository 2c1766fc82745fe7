"""Declarations for other markets from one assessment: "assess once, comply many".

One module per declaration, each a pure function from an :class:`AssessmentReport` (and the
catalog, through ``assessment.projection.project_report``) to a frozen model:

- :mod:`.psti`: the UK PSTI statement of compliance (or a draft naming what is missing);
- :mod:`.cra`: the EU CRA pack (product class, Annex V and VII skeletons, Article 14 clocks);
- :mod:`.etsi_ics`: the ETSI EN 303 645 implementation conformance statement (Annex B).

:mod:`.render` prints any of them as Markdown, HTML, JSON or PDF. Nothing here re-derives a
verdict: a requirement's status is the report's, seen through the crosswalks. Texts of
regulations are our paraphrases, and every declaration says so.
"""
