"""What a build shows, in plain sentences, whether or not it has the seeds for a verdict.

One run per strategy (the ``poster`` profile) judges no claim, yet it can show
large effects: a model that collapsed onto holding notes, a measure that moves
with the sampling temperature alone, hidden states ordered against the poster's
claim. These functions state such effects as observations of the runs at hand
(means over seeds where there are several), with the numbers behind them; the
verdicts stay with :mod:`melodyreg.evaluation.claims`. :func:`leader` and
:func:`against_baseline` name who leads a measure and who beats the baseline,
and say when the seeds are too few for more than an ordering. "Beyond the seed
noise" there means what it means in the verdicts: paired t-tests over the seeds
at the 5 % level, Holm-corrected over the comparisons the sentence makes
(:mod:`melodyreg.evaluation.significance`).

Inputs are the evidence's frames: ``runs`` has one row per (strategy, seed)
(:attr:`melodyreg.evaluation.evidence.Evidence.runs`, one selection rule),
``sweep`` one row per (strategy, seed, temperature)
(:func:`melodyreg.evaluation.frontier.study_frontier`).
"""

from __future__ import annotations

import pandas as pd

from melodyreg.evaluation import claims, intervals, significance
from melodyreg.prose import counted, joined
from melodyreg.protocol import MIN_SEEDS
from melodyreg.report.sentences import strategy_name

COLLAPSE_NOTE = 0.05  # a note-onset accuracy below this ...
COLLAPSE_HOLD = 0.95  # ... with a NO_EVENT accuracy above this: a model that has collapsed onto holding notes
AGREES, DISAGREES, MIXED = "agrees", "goes the other way", "agrees only in part"  # read after "this build"
REGULARIZERS_CLAIMED = ("scheduled_sampling", "professor_forcing")  # claim 2: these bring the states closer ...
REFERENCES = ("baseline", "dropout")  # ... than these
CLAIM_STATES_CLOSER = 1  # index in claims.CLAIMS: "Scheduled sampling and professor forcing bring ... states closer"


def _seeds(runs: pd.DataFrame) -> int:
    """The seeds every strategy of ``runs`` has (the fewest any has)."""
    return int(runs.groupby("strategy").seed.nunique().min())


def _runs_phrase(runs: pd.DataFrame) -> str:
    """``in this run`` (one seed) or ``on average over n seeds``."""
    seeds = _seeds(runs)
    return "in this run" if seeds == 1 else f"on average over {counted(seeds, 'seed')}"


def collapsed(runs: pd.DataFrame) -> list[str]:
    """Strategies whose mean note-onset accuracy is below :data:`COLLAPSE_NOTE` and NO_EVENT's above
    :data:`COLLAPSE_HOLD`: models that almost only ever predict that the current note goes on."""
    fit = runs.groupby("strategy", sort=False)[["accuracy_note", "accuracy_no_event"]].mean()
    return list(fit.index[(fit.accuracy_note < COLLAPSE_NOTE) & (fit.accuracy_no_event > COLLAPSE_HOLD)])


def collapse(runs: pd.DataFrame) -> str:
    """One or two sentences on collapse onto holding notes, with the note-onset accuracy and the test NLL."""
    names = collapsed(runs)
    if not names:
        return (
            f"No strategy collapsed onto holding notes {_runs_phrase(runs)} (every note-onset accuracy is above "
            f"{COLLAPSE_NOTE:g})."
        )
    means = runs.groupby("strategy", sort=False)[["accuracy_note", "nll"]].mean()
    healthy = [n for n in means.index if n not in names]
    reference = "baseline" if "baseline" in healthy else (healthy[0] if healthy else None)
    parts = [
        f"{_name(n)} (note-onset accuracy {means.loc[n, 'accuracy_note']:.3f}, test NLL {means.loc[n, 'nll']:.3f})"
        for n in names
    ]
    sentence = (
        f"{joined(parts)[0].upper()}{joined(parts)[1:]} collapsed onto holding notes {_runs_phrase(runs)}: "
        f"{'it almost never predicts' if len(names) == 1 else 'they almost never predict'} a note onset as the "
        "most likely next event"
    )
    if reference is not None:
        sentence += (
            f", where {_name(reference)} does so for {means.loc[reference, 'accuracy_note']:.3f} of onsets at a "
            f"test NLL of {means.loc[reference, 'nll']:.3f}"
        )
    return sentence + "."


def note_off(runs: pd.DataFrame) -> str:
    """Why a NOTE_OFF accuracy of 0 is no defect, when every strategy has it; empty otherwise."""
    note_off = runs.groupby("strategy").accuracy_note_off.mean()
    if note_off.isna().any() or (note_off != 0).any():
        return ""
    return (
        "No model ever makes `NOTE_OFF` its most likely next event (accuracy 0 for every strategy): a rest is rarer "
        "than either alternative at almost every step, so it is scored by its probability in the NLL, not by this "
        "accuracy."
    )


def temperature(sweep: pd.DataFrame, reference: str = "baseline") -> str:
    """How far the poster's log-likelihood moves with the sampling temperature alone, against the spread
    between strategies at temperature 1."""
    means = sweep.groupby(["strategy", "temperature"]).own_ll.mean()
    if reference not in means.index.get_level_values("strategy"):
        return ""
    own = means.loc[reference]
    cold, hot = own.idxmax(), own.idxmin()
    sentence = (
        f"The poster's log-likelihood moves with the sampling temperature alone: {_name(reference)}'s own melodies "
        f"score {own.loc[hot]:.1f} at temperature {hot:g} and {own.loc[cold]:.1f} at {cold:g}"
    )
    if 1.0 in means.index.get_level_values("temperature"):
        at_one = means.xs(1.0, level="temperature")
        if len(at_one) > 1:
            sentence += (
                f", a range {(own.max() - own.min()) / max(at_one.max() - at_one.min(), 1e-9):.0f} times as wide as "
                f"that between the strategies at temperature 1 ({at_one.min():.1f} to {at_one.max():.1f})"
            )
    return sentence + "."


def agreement(claim: claims.Claim, runs: pd.DataFrame) -> str:
    """Whether the runs' means go the way ``claim`` says: :data:`AGREES`, :data:`DISAGREES` or :data:`MIXED`.

    A description of the runs at hand, whatever their number; the verdict with intervals is
    :func:`melodyreg.evaluation.claims.judge`'s.
    """
    return {claims.CLAIMED_WAY: AGREES, claims.OTHER_WAY: DISAGREES, claims.BOTH_WAYS: MIXED}[
        claims.way(claims.directions(claim, runs))
    ]


def within_noise(claim: claims.Claim, runs: pd.DataFrame) -> bool:
    """Whether ``runs`` have the seeds for a verdict (:data:`~melodyreg.protocol.MIN_SEEDS`) and the paired
    test of ``claim`` leaves it inconclusive: then an ordering of means is no finding either way."""
    return _seeds(runs) >= MIN_SEEDS and claims.judge(claim, runs)[1] == "inconclusive"


def states_agreement(runs: pd.DataFrame) -> str:
    """Whether the runs' hidden-state AUCs go the way of the poster's claim that scheduled sampling and
    professor forcing bring training and generation states closer (:func:`agreement` on that claim), with
    ``by its means, within the noise between seeds`` where the seeds judge it inconclusive."""
    claim = claims.CLAIMS[CLAIM_STATES_CLOSER]
    reading = agreement(claim, runs)
    return f"{reading} by its means, within the noise between seeds" if within_noise(claim, runs) else reading


def states(runs: pd.DataFrame) -> str:
    """The hidden-state AUC's order across strategies at matched positions (``matched_auc``), against the
    poster's claim that scheduled sampling and professor forcing bring training and generation states closer
    than the baseline and dropout.

    With :data:`~melodyreg.protocol.MIN_SEEDS` seeds or more, an order that the paired test of that claim
    leaves inconclusive is stated as the means only, never as going the poster's way or against it.
    """
    auc = runs.groupby("strategy").matched_auc.mean().dropna().sort_values()
    if len(auc) < 2:
        return ""
    most, least = auc.index[-1], auc.index[0]
    sentence = (
        f"The hidden-state AUC at matched positions {_runs_phrase(runs)}: {_name(most)}'s training and "
        f"generation states are the easiest to tell apart (AUC {auc[most]:.3f}) and {_name(least)}'s the "
        f"hardest ({auc[least]:.3f})"
    )
    if not set(REGULARIZERS_CLAIMED + REFERENCES) <= set(auc.index):
        return sentence + "."
    claim = claims.CLAIMS[CLAIM_STATES_CLOSER]
    if within_noise(claim, runs):
        return sentence + (
            ". Paired over the seeds, the poster's claim that scheduled sampling and professor forcing "
            "bring the two closer than the baseline and dropout is neither borne out nor reversed: these "
            "differences lie within the noise between seeds."
        )
    verdict = agreement(claim, runs)
    if verdict == AGREES:
        return sentence + (
            "; as the poster has it, scheduled sampling and professor forcing bring the two closer than the "
            "baseline and dropout."
        )
    if verdict == DISAGREES:
        return sentence + (
            "; opposite to the poster, scheduled sampling and professor forcing keep them further apart than the "
            "baseline and dropout."
        )
    reading = []
    for name in REGULARIZERS_CLAIMED:
        closer = [ref for ref in REFERENCES if auc[name] < auc[ref]]
        what = (
            "closer than both the baseline and dropout"
            if len(closer) == len(REFERENCES)
            else f"closer than {_name(closer[0])} only"
            if closer
            else "further apart than both the baseline and dropout"
        )
        reading.append(f"{_name(name)}'s are {what}")
    poster = "The poster has scheduled sampling and professor forcing bring them closer"
    return f"{sentence}. {poster}; here {joined(reading)}."


def one_run_directions(verdicts: pd.DataFrame) -> str:
    """For claims left untested: how many the runs at hand go the claimed way, and how many the other."""
    untested = verdicts[verdicts.verdict.str.startswith("untested")]
    if untested.empty:
        return ""
    ways = untested.verdict.str.extract(r": (?P<way>[^)]*)\)$").way.fillna("")
    claimed = int((ways == claims.CLAIMED_WAY).sum())
    other = int((ways == claims.OTHER_WAY).sum())
    mixed = len(untested) - claimed - other
    parts = [f"{claimed} {'goes' if claimed == 1 else 'go'} the poster's way", f"{other} the other way"]
    if mixed:
        parts.append(f"{mixed} partly one way and partly the other")
    return (
        f"Of the {counted(len(untested), 'claim')} too few runs can judge, {joined(parts)} in these runs, "
        "differences that one seed cannot tell from the noise between seeds."
    )


def claims_summary(verdicts: pd.DataFrame) -> str:
    """What the verdict table comes to, in a sentence or three: the counts of the poster's claims judged, how
    many too few runs leave untested, and which way those runs go; then what the secondary rows (the state
    claims at the poster's positions) come to, when they are judged."""
    secondary = claims.is_secondary(verdicts)
    second = verdicts[secondary & ~verdicts.verdict.str.startswith("untested")]
    found = (
        f" Read at the poster's own positions, the {counted(int(secondary.sum()), 'state claim')} "
        f"{_outcome(second, 'come out as')}."
        if len(second)
        else ""
    )
    return _primary_summary(verdicts[~secondary]) + found


def _outcome(judged: pd.DataFrame, verb: str = "") -> str:
    counts = judged.verdict.value_counts()
    if verb:
        parts = [f"{counts.get(v, 0)} {v}" for v in ("supported", "contradicted", "inconclusive")]
        return f"{verb} {joined(parts)}"
    return (
        f"supports {counts.get('supported', 0)}, contradicts {counts.get('contradicted', 0)} and finds "
        f"{counts.get('inconclusive', 0)} inconclusive"
    )


def _primary_summary(verdicts: pd.DataFrame) -> str:
    total = len(verdicts)
    untested = verdicts.verdict.str.startswith("untested")
    judged = verdicts[~untested]
    outcome = _outcome(judged)
    contradicted = judged[judged.verdict == "contradicted"]["poster's claim"].tolist()
    named = (
        f" Contradicted: {'; '.join(f'“{claim}”' for claim in contradicted)}."
        if len(judged) > 1 and contradicted
        else ""
    )
    if not untested.any():
        return f"Of the poster's {total} claims, this build {outcome}.{named}"
    minimum = f"at least {counted(MIN_SEEDS, 'seed')} per strategy"
    rest = f"{'needs' if untested.sum() == 1 else 'need'} {minimum}"
    if judged.empty:
        opening = f"None of the poster's {total} claims can be judged with so few runs: each needs {minimum}."
    elif len(judged) == 1:
        claim, verdict = judged.iloc[0]["poster's claim"], judged.iloc[0].verdict
        opening = (
            f"Of the poster's {total} claims, this build can judge one, “{claim}”, and finds it {verdict}; "
            f"the other {int(untested.sum())} {rest}."
        )
    else:
        opening = (
            f"Of the poster's {total} claims, this build judges {len(judged)}: it {outcome}; "
            f"the other {int(untested.sum())} {rest}.{named}"
        )
    return f"{opening} {one_run_directions(verdicts)}"


def summary(runs: pd.DataFrame, sweep: pd.DataFrame | None = None) -> str:
    """The observations above in one paragraph: collapse, the temperature effect, the hidden states."""
    found = [collapse(runs)]
    if sweep is not None and len(sweep):
        found.append(temperature(sweep))
    found.append(states(runs))
    return " ".join(sentence for sentence in found if sentence)


def _name(strategy: str) -> str:
    """A strategy as named mid-sentence: ``the baseline``, ``dropout``, ``scheduled sampling``."""
    return "the baseline" if strategy == "baseline" else strategy_name(strategy)


def _runs(seeds: int) -> str:
    """``a single run`` or ``n runs``: the paired replicates behind an ordering, for prose."""
    return "a single run" if seeds == 1 else counted(seeds, "run")


def _family(size: int) -> str:
    """How a sentence's comparisons were tested, for the sentence itself."""
    level = f"{1 - intervals.LEVEL:.0%}".replace("%", " %")
    if size == 1:
        return f"a paired t-test at the {level} level"
    return f"paired t-tests at the {level} level, Holm-corrected over {size} comparisons"


def _beyond_noise(diff: pd.DataFrame, direction: int) -> pd.Series:
    """Which paired differences (:func:`_paired_or_none`) lie beyond the seed noise in ``direction`` (+1: above
    zero, -1: below): the two-sided paired t-test over their seeds rejects zero at the verdicts' level once
    Holm's correction over the family (every row of ``diff``) is applied."""
    adjusted = significance.holm(diff.pvalue.to_numpy())
    return pd.Series((adjusted <= 1 - intervals.LEVEL) & (direction * diff.difference > 0), index=diff.index)


def _paired_or_none(runs: pd.DataFrame, value: str, reference: str) -> pd.DataFrame | None:
    """Paired differences to ``reference`` over the strategies that have ``value``, with the two-sided paired
    t-test's p-value of each (``pvalue``); None: nothing to pair."""
    usable = runs.dropna(subset=[value])
    if usable.strategy.nunique() < 2 or reference not in set(usable.strategy):
        return None
    try:
        diff = intervals.paired(usable, value, reference=reference)
    except ValueError:  # a strategy shares no seed with the reference
        return None
    if not len(diff):
        return None
    wide = usable.pivot_table(index="seed", columns="strategy", values=value, aggfunc="first")
    diff["pvalue"] = [
        significance.t_pvalue((wide[name] - wide[reference]).dropna().to_numpy()) for name in diff.strategy
    ]
    return diff


def leader(runs: pd.DataFrame, value: str, *, lower: bool = True) -> str:
    """Which strategy leads on ``value`` (mean over seeds), and whether the lead is told apart from the seed noise.

    Below :data:`melodyreg.protocol.MIN_SEEDS` paired seeds the ordering is given as such, never as a verdict.
    Otherwise the lead counts only over the strategies whose paired difference from the leader is beyond the
    seed noise: a two-sided paired t-test at the 5 % level, Holm-corrected over the comparisons with every
    other strategy (the leader is picked by its mean, so the test does not assume which way it goes).

    Args:
        runs: one row per (strategy, seed), as :attr:`melodyreg.evaluation.evidence.Evidence.runs`.
        lower: whether lower values lead (NLL) or higher ones (log-likelihood).

    Returns:
        The leader in the possessive with its reading, for example ``"dropout's, ahead of every other
        strategy beyond the seed noise (paired t-tests at the 5 % level, Holm-corrected over 3 comparisons)"``.
    """
    means = runs.groupby("strategy")[value].mean().dropna()
    if means.empty:
        return "no strategy's (no values)"
    best = means.idxmin() if lower else means.idxmax()
    name = _name(best)
    diff = _paired_or_none(runs, value, best)
    if diff is None:
        return f"{name}'s, with no other strategy on the same seeds to compare"
    seeds = int(diff.seeds.min())
    if seeds < MIN_SEEDS:
        verdict = f"an ordering, not a verdict (no verdict below {MIN_SEEDS} seeds)"
        return f"{name}'s, in {_runs(seeds)} per strategy: {verdict}"
    behind = _beyond_noise(diff, 1 if lower else -1)
    family = _family(len(diff))
    if behind.all():
        return f"{name}'s, ahead of every other strategy beyond the seed noise ({family})"
    close = joined([_name(s) for s in diff.strategy[~behind]])
    return f"{name}'s by its mean, but its lead over {close} is within the seed noise ({family})"


def against_baseline(runs: pd.DataFrame, value: str, *, lower: bool = True) -> str:
    """One sentence: which strategies beat the baseline on ``value`` beyond the seed noise (paired by seed).

    Below :data:`melodyreg.protocol.MIN_SEEDS` paired seeds it says that the numbers are an ordering, not a verdict.

    Args:
        runs: one row per (strategy, seed) with ``value``, the baseline among the strategies.
        lower: whether lower values are better.
    """
    diff = _paired_or_none(runs, value, "baseline")
    if diff is None:
        return "No strategy shares seeds with the baseline on this measure, so none is compared with it."
    seeds = int(diff.seeds.min())
    if seeds < MIN_SEEDS:
        return f"With {_runs(seeds)} per strategy these numbers are an ordering, not a verdict."
    better = _beyond_noise(diff, -1 if lower else 1)
    worse = _beyond_noise(diff, 1 if lower else -1)
    names = {s: _name(s) for s in diff.strategy}
    rest = diff.strategy[~(better | worse)]
    family = _family(len(diff))
    if len(rest) == len(diff):
        verb = "is" if len(names) == 1 else "are"
        return f"Paired by seed, {joined(list(names.values()))} {verb} not told apart from the baseline ({family})."
    parts = [
        f"{joined([names[s] for s in diff.strategy[mask]])} {words} the baseline"
        for mask, words in ((better, "better than"), (worse, "worse than"))
        if mask.any()
    ]
    if len(rest):
        parts.append(f"{joined([names[s] for s in rest])} not told apart from it")
    return f"Paired by seed, beyond the seed noise ({family}): {'; '.join(parts)}."
