"""Sentences glued from the evaluation's tables (melodyreg.report.sentences).

The sentences built from a table are tested beside the module that makes the table (claims, tuning,
frontier, recorded), where its fixtures are; here what needs none.
"""

from melodyreg.report import sentences


def test_strategies_are_named_mid_sentence():
    assert sentences.strategy_name("scheduled_sampling") == "scheduled sampling"
    assert sentences.strategy_name("baseline") == "baseline"
    assert sentences.strategy_name("seqgan") == "SeqGAN"  # a proper name keeps its capitals
    assert sentences.strategy_name("my_variant") == "my_variant"  # unknown names pass through


def test_no_recorded_build_is_named_as_such_in_a_caption():
    assert sentences.record_origin(None) == "the last `full` build (none recorded yet)"
    assert sentences.record_notice(None, "nothing was built").startswith("Nothing to show yet: nothing was built.")
    assert sentences.record_table(None, "verdicts", "no `full` build").iloc[0, 0] == "none: no full build"
