"""Sentences glued into the book from the evaluation's tables and from the recorded ``full`` build.

The evaluation layer decides (verdicts, their families, which settings reverse a claim, what a
recorded build holds); this module only says it in words, with every number taken from those
tables, so the prose stays grammatical and true whatever a run finds. Strategy names become
words here too (:func:`strategy_name`), as labels and colours do in :mod:`melodyreg.report.display`.
"""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd

from melodyreg import constants as C
from melodyreg import hardware
from melodyreg.evaluation import claims, intervals, recorded, tuning
from melodyreg.prose import counted, joined, plain


def strategy_name(strategy: str) -> str:
    """A strategy as named in the middle of a sentence: ``baseline``, ``scheduled sampling``; a proper name
    keeps its capitals (``SeqGAN``)."""
    label = C.STRATEGY_LABELS.get(strategy, strategy)
    first, space, rest = label.partition(" ")
    if first[1:] == first[1:].lower():  # a capital only at the start: a common noun
        first = first.lower()
    return first + space + rest.lower()


def frontier_summary(table: pd.DataFrame) -> str:
    """One sentence from :func:`melodyreg.evaluation.frontier.verdicts`, e.g. ``Dropout: no; scheduled
    sampling: yes.``"""
    if table.empty:
        return "No regularizer was compared."
    text = "; ".join(f"{strategy_name(row.strategy)}: {row.verdict}" for row in table.itertuples()) + "."
    return text[0].upper() + text[1:]


def family_note(table: pd.DataFrame | None) -> str:
    """How the verdicts of a :func:`melodyreg.evaluation.claims.verdicts` table were tested, with the size
    of each family, for a caption (empty for no table)."""
    if table is None:
        return ""
    judged = ~table.verdict.str.startswith("untested") if len(table) else pd.Series(dtype=bool)
    if not judged.any():
        return "No claim has enough replicates to be judged, so no test was made."
    secondary = claims.is_secondary(table)
    primary, second = int((judged & ~secondary).sum()), int((judged & secondary).sum())
    families = joined(
        ([f"the {counted(primary, 'judged claim')} of this table"] if primary else [])
        + ([f"the {counted(second, 'judged secondary row')} among themselves"] if second else [])
    )
    return (
        f"Exact one-sided t-tests at {100 * claims.ALPHA:g} % each way, Holm-corrected over {families} (the "
        "corrected p-values are in the last two columns); the intervals are 95 % t-intervals, uncorrected."
    )


def t_interval_note(n: int) -> str:
    """Caption text for paired t-intervals over ``n`` seeds, the intervals the verdicts are judged on (the
    bootstrap intervals of descriptive tables have their own, :func:`melodyreg.evaluation.intervals.coverage_note`)."""
    if n < 2:
        return intervals.coverage_note(n)
    return (
        f"{n} paired seeds, so t-intervals with {counted(n - 1, 'degree')} of freedom, which cover the mean difference "
        f"{intervals.LEVEL:.0%} of the time when the seeds' differences are normal"
    )


def robustness_summary(table: pd.DataFrame) -> str:
    """One sentence: how many claims keep their direction at every setting, and where the others flip.

    Args:
        table: :func:`melodyreg.evaluation.tuning.robustness`. A hinging claim (see
            :func:`melodyreg.evaluation.tuning.hinges`) is described per strategy whose settings reverse
            it beyond the seed spread: by its :func:`melodyreg.evaluation.tuning.reading` where one knob
            orders the settings (a threshold), else by the settings that reverse it.
    """
    if not len(table):
        return tuning.NO_GRID
    hinged = tuning.hinges(table)
    robust = hinged.robust.astype(bool)
    expected = float(hinged["by chance"].sum())
    text = (
        f"{int(robust.sum())} of {len(hinged)} claims keep their direction at every setting (no setting reverses "
        f"one beyond the final comparison's interval; with no effect of the settings at all, about {expected:.1f} "
        "such reversals would appear by chance among these one-seed rows)"
    )
    if robust.all():
        return text + "; none hinges on a setting."
    described = []
    for claim in hinged.claim[~robust]:
        group = table[table.claim == claim]
        decisive = tuning.decisive(group)
        parts = []
        for name in dict.fromkeys(decisive.strategy):
            rows = group[group.strategy == name]
            if tuning.ordering_knob([json.loads(o) for o in rows.overrides]) is not None:
                where = tuning.reading(rows)
            else:
                where = "reverses at " + " | ".join(decisive.setting[decisive.strategy == name])
            parts.append(f"{strategy_name(name)}: {where}")
        described.append(f"“{claim}” ({'; '.join(parts)})")
    return text + "; these hinge on one: " + "; ".join(described) + "."


def record_summary(record: recorded.Recorded) -> str:
    """The verdict counts of the poster's claims (not the secondary rows) in one sentence, e.g. ``supports 1,
    contradicts 4 and finds 7 inconclusive of the poster's 12 claims``."""
    table = record.tables["verdicts"]
    table = table[~claims.is_secondary(table)]
    counts = Counter(table.verdict.str.split(" ").str[0])
    parts = [f"supports {counts.get('supported', 0)}", f"contradicts {counts.get('contradicted', 0)}"]
    parts.append(f"finds {counts.get('inconclusive', 0)} inconclusive")
    if counts.get("untested"):
        parts.append(f"leaves {counts['untested']} untested")
    return f"{joined(parts)} of the poster's {len(table)} claims"


def record_origin(record: recorded.Recorded | None) -> str:
    """Where recorded findings come from, for a caption: profile, commit, date and machine (or that no
    ``full`` build is recorded yet); a build reading back its own findings says so, not "recorded"."""
    if record is None:
        return "the last `full` build (none recorded yet)"
    p = record.provenance
    where = f"at commit {p['commit']} on {p['date']} ({hardware.kind(p.get('hardware'))})"
    if record.own:  # the build being read wrote them a moment ago
        return f"this `{p['profile']}` build, {where}; written to `results/{p['profile']}/` for other builds to show"
    return f"the last `{p['profile']}` build, {where}; recorded, not recomputed here"


def _hours(seconds: float) -> str:
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def record_cost(record: recorded.Recorded) -> str:
    """What the recorded build cost: ``41 training runs (3 h 28 min of training, summed over runs; 3 h 51 min for
    the whole build)``.

    Training time is summed over runs (two train at a time on two cores). The build's wall time is there when
    the build ran every chapter in one go (:func:`melodyreg.evaluation.recorded.stamp`); when it reused runs an
    earlier build had trained (a build resumed after a stop), it is that last build's time only, and the
    sentence says so.
    """
    p = record.provenance
    folders = {entry["folder"] for entry in p["runs"]}
    text = f"{counted(len(folders), 'training run')} ({_hours(p['training_seconds'])} of training, summed over runs"
    if "wall_seconds" not in p:
        return text + ")"
    reused = p.get("reused_runs", 0)
    if not reused:
        return text + f"; {_hours(p['wall_seconds'])} for the whole build)"
    return (
        text + f"; {_hours(p['wall_seconds'])} for the last build, which resumed the study and found "
        f"{reused} of its runs already trained)"
    )


def record_notice(record: recorded.Recorded | None, reason: str = "") -> str:
    """A paragraph for the reader: where the recorded findings come from, what the build cost, and whether
    the code has changed since (a warning, from :func:`melodyreg.evaluation.recorded.stale`), or why there
    is nothing to show."""
    if record is None:
        return f"Nothing to show yet: {reason}."
    p = record.provenance
    machines = p.get("machines", {})
    where = (
        f"trained on {next(iter(machines))}"
        if len(machines) == 1
        else f"trained on {len(machines)} kinds of machine ({joined([f'{n} on {k}' for k, n in machines.items()])})"
    )
    folder = record.folder
    shown = folder.relative_to(C.REPO_ROOT) if folder.is_relative_to(C.REPO_ROOT) else folder
    text = (
        f"From {record_origin(record)}: {record_cost(record)}, {where}, {counted(len(p['seeds']), 'seed')} per "
        f"strategy in the final comparison ({', '.join(map(str, p['seeds']))}). It {record_summary(record)}. "
        f"Every table of that build is in `{shown}/`."
    )
    changes = recorded.stale(record)
    if changes:
        text += (
            "\n\n**Warning: the code has changed since that build**, so these findings may not be what it would "
            f"find now: {'; '.join(changes)}. Rebuild with `make book PROFILE={p['profile']}` to update them."
        )
    return text


def record_table(record: recorded.Recorded | None, stem: str, reason: str = "") -> pd.DataFrame:
    """A recorded table for display, or a one-row table saying why there is none (the caption stays valid)."""
    if record is not None and stem in record.tables:
        return record.tables[stem]
    return pd.DataFrame({"recorded findings": [plain(f"none: {reason or f'the build wrote no {stem} table'}")]})


def record_across_machines(record: recorded.Recorded | None, reason: str, runs) -> pd.DataFrame:
    """:func:`melodyreg.evaluation.recorded.across_machines` for display, or one row saying why there is
    nothing to compare (no recorded build: ``reason``; or no run in common)."""
    across = recorded.across_machines(record, runs) if record else None
    return across if across is not None and len(across) else record_table(None, "", reason or "no run in common")
