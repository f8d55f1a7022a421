"""Model layer: the MelodyRNN, the five training strategies, the training loop and generation.

Modules: ``network`` (MelodyRNN), ``losses`` (the masked NLL and accuracy), ``strategies``
(baseline, dropout, scheduled sampling, professor forcing), ``seqgan`` (SeqGAN's discriminator,
rollouts and policy-gradient phase), ``training`` (seeding, the shared loop, checkpoints, resume),
``scalars`` (TensorBoard scalars), ``generation`` (sampling, log-likelihoods, hidden states).
Imports the data and config layers; knows nothing of the run store.
"""
