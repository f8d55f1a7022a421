"""What a build shows, in plain sentences, whether or not it has the seeds for a verdict.

One run per strategy (the ``poster`` profile) judges no claim, yet it can show
large effects: a model that collapsed onto holding notes, a measure that moves
with the sampling temperature alone, hidden states ordered against the poster's
claim. These functions state such effects as observations of the runs at hand
(means over seeds where there are several), with the numbers behind them; the
verdicts stay with :mod:`melodyreg.evaluation.claims`.

Inputs are the evidence's frames: ``runs`` has one row per (strategy, seed)
(:attr:`melodyreg.evaluation.evidence.Evidence.runs`, one selection rule),
``sweep`` one row per (strategy, seed, temperature)
(:func:`melodyreg.evaluation.frontier.study_frontier`).
"""

from __future__ import annotations

import pandas as pd

from melodyreg.evaluation import claims
from melodyreg.prose import counted, joined
from melodyreg.protocol import MIN_SEEDS

COLLAPSE_NOTE = 0.05  # a note-onset accuracy below this ...
COLLAPSE_HOLD = 0.95  # ... with a NO_EVENT accuracy above this: a model that has collapsed onto holding notes
AGREES, DISAGREES, MIXED = "agrees", "goes the other way", "agrees only in part"  # read after "this build"
REGULARIZERS_CLAIMED = ("scheduled_sampling", "professor_forcing")  # claim 2: these bring the states closer ...
REFERENCES = ("baseline", "dropout")  # ... than these
CLAIM_STATES_CLOSER = 1  # index in claims.CLAIMS: "Scheduled sampling and professor forcing bring ... states closer"


def _name(strategy: str) -> str:
    return claims._prose_name(strategy)


def _runs_phrase(runs: pd.DataFrame) -> str:
    """``in this run`` (one seed) or ``on average over n seeds``."""
    seeds = int(runs.groupby("strategy").seed.nunique().min())
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


def states_agreement(runs: pd.DataFrame) -> str:
    """Whether the runs' hidden-state AUCs go the way of the poster's claim that scheduled sampling and
    professor forcing bring training and generation states closer (:func:`agreement` on that claim)."""
    return agreement(claims.CLAIMS[CLAIM_STATES_CLOSER], runs)


def states(runs: pd.DataFrame) -> str:
    """The hidden-state AUC's order across strategies, against the poster's claim that scheduled sampling
    and professor forcing bring training and generation states closer than the baseline and dropout."""
    auc = runs.groupby("strategy").state_auc.mean().dropna().sort_values()
    if len(auc) < 2:
        return ""
    most, least = auc.index[-1], auc.index[0]
    sentence = (
        f"The hidden-state AUC {_runs_phrase(runs)}: {_name(most)}'s training and generation states are the "
        f"easiest to tell apart (AUC {auc[most]:.3f}) and {_name(least)}'s the hardest ({auc[least]:.3f})"
    )
    if not set(REGULARIZERS_CLAIMED + REFERENCES) <= set(auc.index):
        return sentence + "."
    verdict = agreement(claims.CLAIMS[CLAIM_STATES_CLOSER], runs)
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
    claim = "The poster has scheduled sampling and professor forcing bring them closer"
    return f"{sentence}. {claim}; here {joined(reading)}."


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
    """What the verdict table comes to, in a sentence or three: the counts of the claims judged, how many too
    few runs leave untested, and which way those runs go."""
    total = len(verdicts)
    untested = verdicts.verdict.str.startswith("untested")
    judged = verdicts[~untested]
    counts = judged.verdict.value_counts()
    outcome = (
        f"supports {counts.get('supported', 0)}, contradicts {counts.get('contradicted', 0)} and finds "
        f"{counts.get('inconclusive', 0)} inconclusive"
    )
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
