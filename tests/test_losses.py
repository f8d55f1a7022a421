"""The one masked NLL and accuracy: hand-computed losses, padding left out, sums that pool over chunks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf

from melodyreg.model.losses import masked_accuracy, masked_nll, masked_sums

LOG_38 = math.log(38)


def test_masked_nll_of_uniform_logits_is_log_of_the_class_count():
    labels = tf.constant([[3, 0, 37], [5, 5, 5]])
    loss = masked_nll(tf.zeros((2, 3, 38)), labels, tf.ones((2, 3)))
    assert float(loss) == pytest.approx(LOG_38, rel=1e-6)


def test_masked_nll_averages_unmasked_events_only():
    logits = np.zeros((1, 3, 38), np.float32)  # step 0: uniform, log 38
    logits[0, 1] = -1e9
    logits[0, 1, 4] = 0.0  # step 1: certain of its label 4, nll 0
    logits[0, 2, 9] = 50.0  # step 2: certain of a wrong class, nll 50, but masked
    labels = tf.constant([[7, 4, 2]])
    loss = masked_nll(tf.constant(logits), labels, tf.constant([[1.0, 1.0, 0.0]]))
    assert float(loss) == pytest.approx(LOG_38 / 2, rel=1e-6)
    assert float(masked_nll(tf.constant(logits), labels, tf.zeros((1, 3)))) == 0.0  # no events, no NaN


def test_masked_accuracy_hand_example():
    logits = tf.one_hot([[4, 6, 9]], 38)  # predicts 4, 6, 9
    labels = tf.constant([[4, 5, 9]])
    assert float(masked_accuracy(logits, labels, tf.constant([[1.0, 1.0, 0.0]]))) == 0.5
    assert float(masked_accuracy(logits, labels, tf.ones((1, 3)))) == pytest.approx(2 / 3)


def test_masked_sums_pool_to_the_means_and_split_by_mask():
    logits = np.zeros((1, 3, 38), np.float32)
    logits[0, 1] = -1e9
    logits[0, 1, 4] = 0.0  # step 1: certain of its label 4, nll 0, a hit
    logits[0, 2, 9] = 50.0  # step 2: certain of class 9, which is its label: nll 0, a hit
    labels = tf.constant([[7, 4, 9]])
    everything, first_two = tf.ones((1, 3)), tf.constant([[1.0, 1.0, 0.0]])
    sums = masked_sums(tf.constant(logits), labels, [everything, first_two]).numpy()
    # step 0 is uniform: nll log 38, and its argmax (class 0) misses label 7
    np.testing.assert_allclose(sums, [[LOG_38, 2.0, 3.0], [LOG_38, 1.0, 2.0]], rtol=1e-6)
    nll, hits, count = sums[1]
    assert nll / count == pytest.approx(float(masked_nll(tf.constant(logits), labels, first_two)), rel=1e-6)
    assert hits / count == pytest.approx(float(masked_accuracy(tf.constant(logits), labels, first_two)))
