"""Masked negative log-likelihood and accuracy: the one definition every loss, evaluation and measure uses.

Windows shorter than the batch's are padded; ``mask`` (1 for a real step, 0 for
padding) keeps padding out of every sum and mean. Means divide by the number of
real events (at least 1), so a batch with no events gives 0, not NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import tensorflow as tf


def event_nll(logits, labels):
    """Negative log-likelihood (nats) of each true event ``labels`` [B, T] under ``logits`` [B, T, C]."""
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def event_hits(logits, labels):
    """1.0 where the most likely class is the true event, else 0.0 ([B, T])."""
    return tf.cast(tf.equal(tf.argmax(logits, -1, output_type=labels.dtype), labels), tf.float32)


def masked_mean(values, mask):
    """Mean of ``values`` over the steps where ``mask`` is 1 (0 when there are none)."""
    return tf.reduce_sum(values * mask) / tf.maximum(tf.reduce_sum(mask), 1.0)


def masked_nll(logits, labels, mask):
    """Mean negative log-likelihood per (unmasked) event, in nats."""
    return masked_mean(event_nll(logits, labels), mask)


def masked_accuracy(logits, labels, mask):
    """Share of (unmasked) events whose most likely class is the true one."""
    return masked_mean(event_hits(logits, labels), mask)


def masked_sums(logits, labels, masks: Sequence) -> tf.Tensor:
    """Summed NLL, summed hits and event count under each of ``masks``, for pooling over chunks.

    Returns:
        A ``[len(masks), 3]`` tensor: one row ``(nll sum, hits, events)`` per mask.
    """
    nll, hits = event_nll(logits, labels), event_hits(logits, labels)
    return tf.stack([tf.stack([tf.reduce_sum(nll * m), tf.reduce_sum(hits * m), tf.reduce_sum(m)]) for m in masks])
