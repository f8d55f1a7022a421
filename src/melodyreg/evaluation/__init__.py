"""Evaluation layer: measures over finished runs, intervals over seeds, the poster's claims.

Modules: ``comparison`` (the evaluation chapter's pipeline from its parameters, computed once),
``histories`` (numbers read from training histories), ``measures`` (held-out fit, hidden-state
tests, exposure bias, feature comparison),
``features`` (symbolic-music features, Yang & Lerch), ``intervals`` (bootstrap intervals),
``significance`` (exact t-tests, the sign test and Holm's correction), ``states`` (hidden-state
sets and t-SNE), ``evidence`` (every measure of every run), ``tuning`` (settings chosen on
validation data, the robustness map), ``budget`` (expected best score against the tuning budget),
``speed`` (isolated step times), ``diversity`` and ``frontier`` (quality against diversity, the
temperature sweep), ``claims`` (the poster's claims as verdicts), ``recorded`` (a full build's
findings, written to ``results/`` and read back). Sentences about the runs are the report layer's.
"""
