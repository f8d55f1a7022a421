"""Windows of melodies: seeded training batches, held-out windows that score every transition once, openings."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import as_numpy, toy_melodies
from melodyreg.data.melodies import decode
from melodyreg.data.windows import Batcher, eval_windows, opening_classes, openings


def test_batcher_is_a_pure_function_of_seed_and_iteration():
    melodies = toy_melodies()
    batcher = Batcher(melodies, window=8, batch_size=6, seed=3)
    first = as_numpy(batcher.batch(4))
    for again in (batcher.batch(4), Batcher(melodies, 8, 6, 3).batch(4)):
        for key, value in as_numpy(again).items():
            np.testing.assert_array_equal(value, first[key])
    assert not np.array_equal(as_numpy(batcher.batch(5))["inputs"], first["inputs"])
    assert not np.array_equal(as_numpy(Batcher(melodies, 8, 6, 4).batch(4))["inputs"], first["inputs"])


def test_batcher_cuts_contiguous_windows_with_labels_shifted_by_one():
    melodies = toy_melodies()
    batch = as_numpy(Batcher(melodies, window=8, batch_size=32, seed=0).batch(0))
    assert batch["inputs"].shape == batch["labels"].shape == batch["mask"].shape == (32, 8)
    for inputs, labels, mask in zip(batch["inputs"], batch["labels"], batch["mask"]):
        n = int(mask.sum())
        np.testing.assert_array_equal(inputs[1:n], labels[: n - 1])
        window = np.concatenate([inputs[:1], labels[:n]])
        assert any(np.array_equal(m[s : s + n + 1], window) for m in melodies for s in range(len(m) - n))


def test_batcher_pads_and_masks_short_melodies():
    batch = as_numpy(Batcher([np.array([2, 3, 4, 5, 6], np.int8)], window=8, batch_size=3, seed=0).batch(0))
    np.testing.assert_array_equal(batch["inputs"], [[2, 3, 4, 5, 6, 0, 0, 0]] * 3)  # the last input is masked
    np.testing.assert_array_equal(batch["labels"], [[3, 4, 5, 6, 0, 0, 0, 0]] * 3)
    np.testing.assert_array_equal(batch["mask"], [[1, 1, 1, 1, 0, 0, 0, 0]] * 3)
    assert batch["inputs"].dtype == np.int32 and batch["mask"].dtype == np.float32


def test_batcher_mixes_full_and_short_windows():
    melodies = [np.arange(2, 32).astype(np.int8), np.array([33, 34, 35], np.int8)]
    batch = as_numpy(Batcher(melodies, window=8, batch_size=64, seed=1).batch(0))
    short = batch["inputs"][:, 0] == 33
    assert short.any() and (~short).any()
    np.testing.assert_array_equal(batch["mask"][short].sum(axis=1), 2)  # 3 events: 2 transitions
    np.testing.assert_array_equal(batch["mask"][~short].sum(axis=1), 8)


def test_batcher_draws_melodies_in_proportion_to_their_length():
    melodies = [np.full(10, 2, np.int8), np.full(90, 3, np.int8)]
    picks = as_numpy(Batcher(melodies, window=4, batch_size=4000, seed=0).batch(0))["inputs"][:, 0]
    assert abs((picks == 3).mean() - 0.9) < 0.02


def test_batcher_refuses_an_empty_dataset_and_single_event_melodies():
    with pytest.raises(ValueError, match="no training melodies: the dataset is empty"):
        Batcher([], window=8, batch_size=4, seed=0)
    with pytest.raises(ValueError, match="at least 2 events"):
        Batcher([np.arange(2, 12), np.array([5])], window=8, batch_size=4, seed=0)


def test_eval_windows_cover_every_transition_once_hand_example():
    melodies = [np.arange(2, 12, dtype=np.int8), np.arange(20, 29, dtype=np.int8)]  # 10 and 9 events
    batch = as_numpy(eval_windows(melodies, window=4, limit=100))
    np.testing.assert_array_equal(
        batch["inputs"], [[2, 3, 4, 5], [6, 7, 8, 9], [10, 11, 0, 0], [20, 21, 22, 23], [24, 25, 26, 27]]
    )
    np.testing.assert_array_equal(
        batch["labels"], [[3, 4, 5, 6], [7, 8, 9, 10], [11, 0, 0, 0], [21, 22, 23, 24], [25, 26, 27, 28]]
    )
    np.testing.assert_array_equal(batch["mask"], [[1, 1, 1, 1], [1, 1, 1, 1], [1, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 1]])
    # every transition of every melody is scored exactly once: (10 - 1) + (9 - 1)
    scored = sorted(batch["labels"][batch["mask"] > 0].tolist())
    assert scored == list(range(3, 12)) + list(range(21, 29))


def test_eval_windows_stop_at_the_limit_in_order():
    melodies = [np.arange(2, 12, dtype=np.int8), np.arange(20, 29, dtype=np.int8)]
    batch = as_numpy(eval_windows(melodies, window=4, limit=2))
    np.testing.assert_array_equal(batch["inputs"], [[2, 3, 4, 5], [6, 7, 8, 9]])


def test_eval_windows_refuse_an_empty_held_out_set():
    with pytest.raises(ValueError, match="held-out set is empty"):
        eval_windows([], window=4, limit=10)


def test_openings_are_a_seeded_choice_of_long_enough_melodies_cut_to_length():
    # melody i counts up from 2 + 5i; long enough for 8 steps: indices 1, 2, 4
    melodies = [(np.arange(n) + 5 * i + 2).astype(np.int8) for i, n in enumerate((3, 10, 12, 4, 9))]
    picked = openings(melodies, steps=8, count=2, seed=5)
    assert len(picked) == 2 and picked == openings(melodies, steps=8, count=2, seed=5)
    allowed = [decode(melodies[i][:8]) for i in (1, 2, 4)]
    assert all(p in allowed for p in picked) and picked[0] != picked[1]
    # asking for more than there are gives every long melody once, in corpus order
    assert openings(melodies, steps=8, count=10, seed=0) == allowed
    assert openings(melodies, steps=20, count=3, seed=0) == []
    # the same choice as classes, one row per melody; none long enough: an empty [0, steps] array
    classes = opening_classes(melodies, steps=8, count=2, seed=5)
    assert classes.shape == (2, 8) and [decode(row) for row in classes] == picked
    assert opening_classes(melodies, steps=20, count=3, seed=0).shape == (0, 20)
