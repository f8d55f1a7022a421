"""Evaluation layer: measures over finished runs, intervals over seeds, the poster's claims.

Modules: ``measures`` (held-out fit, hidden-state tests, exposure bias, feature comparison),
``features`` (symbolic-music features, Yang & Lerch), ``intervals`` (bootstrap intervals),
``claims`` (the poster's claims as verdicts), ``evidence`` (every measure of every run).
"""
