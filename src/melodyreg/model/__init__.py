"""Model layer: the MelodyRNN, the four training strategies, the training loop and generation.

Modules: ``network`` (MelodyRNN), ``strategies`` (baseline, dropout, scheduled sampling,
professor forcing), ``training`` (seeding, the shared loop, checkpoints, resume),
``generation`` (sampling, log-likelihoods, hidden states). Imports the data and config layers;
knows nothing of the run store.
"""
